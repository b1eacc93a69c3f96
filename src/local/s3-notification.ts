import { encodeObjectKey } from '../events/decode-object-key.ts';
import { normaliseEtag } from '../storage/object-store.ts';

/** A write to a bucket, as the local endpoint saw it complete. */
export interface ObservedWrite {
  eventName:
    | 'ObjectCreated:Put'
    | 'ObjectCreated:Post'
    | 'ObjectCreated:Copy'
    | 'ObjectCreated:CompleteMultipartUpload'
    | 'ObjectRemoved:Delete';
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  /** Taken when the write completed, so that events order as the writes did. */
  sequencer?: string;
}

let lastSequencer = 0n;

/**
 * A sequencer as S3 makes them: hex, increasing with every event, so that ordering
 * checks behave locally as they do in AWS.
 */
export function nextSequencer(): string {
  const now = BigInt(Date.now()) * 1000n;
  lastSequencer = now > lastSequencer ? now : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

/** The S3 event notification AWS would send for `write`, key form-encoded as AWS does. */
export function s3Notification(write: ObservedWrite, region: string) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: new Date().toISOString(),
        eventName: write.eventName,
        userIdentity: { principalId: 'pixelater-local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': 'pixelater-local',
          'x-amz-id-2': 'pixelater-local',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'pixelater-local',
          bucket: {
            name: write.bucket,
            ownerIdentity: { principalId: 'pixelater-local' },
            arn: `arn:aws:s3:::${write.bucket}`,
          },
          object: {
            key: encodeObjectKey(write.key),
            ...(write.size !== undefined ? { size: write.size } : {}),
            ...(write.etag ? { eTag: normaliseEtag(write.etag) } : {}),
            ...(write.versionId ? { versionId: write.versionId } : {}),
            sequencer: write.sequencer ?? nextSequencer(),
          },
        },
      },
    ],
  };
}
