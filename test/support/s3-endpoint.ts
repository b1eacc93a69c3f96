import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';

/** A real S3-compatible endpoint over HTTP for one test file, with SDK clients for it. */
export async function startS3Endpoint() {
  const server = await startFauxqs({ port: 0, logger: false });
  const s3 = new S3Client({
    endpoint: server.address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    s3,
    /** The endpoint's URL, for code that builds its own client (AWS_ENDPOINT_URL_S3). */
    address: server.address,
    async createBucket(name: string) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(
      bucket: string,
      key: string,
      body: Buffer | string,
      metadata?: Record<string, string>,
    ) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }),
      );
    },
    async get(bucket: string, key: string) {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return {
        body: Buffer.from(await response.Body!.transformToByteArray()),
        contentType: response.ContentType,
        metadata: response.Metadata ?? {},
      };
    },
    async keys(bucket: string, prefix = ''): Promise<string[]> {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
    },
    async stop() {
      s3.destroy();
      await server.stop();
    },
  };
}
