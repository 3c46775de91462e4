import { describe, expect, it } from 'vitest';
import { StoredStateRef } from '../../../lib/aws/large-state/state-ref.js';
import { linkStates } from '../../../functions/http/state-links.js';

const ref = new StoredStateRef({ key: 'executions/e1/ab.json', bytes: 12, sha256: 'ab' });
const link = async (r: StoredStateRef) => `https://example.test/${r.key}`;

describe('linkStates', () => {
  it('adds a url to each offloaded state of a view and of its items, and leaves inline states alone', async () => {
    const body = {
      data: ref,
      output: { inline: true },
      items: [{ state: ref }, { state: 'small' }],
    };
    expect(JSON.parse(JSON.stringify(await linkStates(body, link)))).toEqual({
      data: {
        $longrunningState: { key: ref.key, bytes: 12, sha256: 'ab', url: 'https://example.test/executions/e1/ab.json' },
      },
      output: { inline: true },
      items: [
        {
          state: {
            $longrunningState: {
              key: ref.key,
              bytes: 12,
              sha256: 'ab',
              url: 'https://example.test/executions/e1/ab.json',
            },
          },
        },
        { state: 'small' },
      ],
    });
  });

  it('leaves a reference without a url when the linker gives none', async () => {
    const body = { data: ref };
    expect(JSON.parse(JSON.stringify(await linkStates(body, async () => undefined)))).toEqual({
      data: { $longrunningState: { key: ref.key, bytes: 12, sha256: 'ab' } },
    });
  });

  it('shows the reference as stored when there is no linker', async () => {
    const body = { data: ref };
    expect(JSON.parse(JSON.stringify(await linkStates(body, undefined)))).toEqual({
      data: { $longrunningState: { key: ref.key, bytes: 12, sha256: 'ab' } },
    });
  });
});
