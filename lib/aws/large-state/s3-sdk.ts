// The parts of the S3 SDK the state objects use, in one module that
// S3StateObjects imports on first use: a bundler keeps only these commands.
export {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
export { getSignedUrl } from '@aws-sdk/s3-request-presigner';
