import { request, createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy that forwards one request at a time. */
export interface SerializingProxy {
  endpoint: string;
  close: () => Promise<void>;
}

/**
 * Starts a proxy to `target` that forwards requests strictly one after another.
 *
 * moto_server handles requests on concurrent threads without locking its tables,
 * so two conditional writes to one item can both pass their condition there; real
 * DynamoDB (and DynamoDB Local) apply writes to one item one at a time. Race tests
 * send their concurrent requests through this proxy so that the emulator, like
 * DynamoDB, serializes them; the client side stays fully concurrent. Not for long
 * polls (an SQS ReceiveMessage wait would hold up every other request).
 */
export async function startSerializingProxy(target: string): Promise<SerializingProxy> {
  const to = new URL(target);
  let queue: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      queue = queue.then(
        () =>
          new Promise<void>((done) => {
            const upstream = request(
              { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
              (reply) => {
                void readBody(reply).then((data) => {
                  res.writeHead(reply.statusCode ?? 502, reply.headers);
                  res.end(data);
                  done();
                });
              },
            );
            upstream.on('error', (err) => {
              res.writeHead(502);
              res.end(String(err));
              done();
            });
            upstream.end(body);
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
