import { type Caller, requireSupreme } from '../auth/caller.ts';
import { findCampaignJob, type JobLookupInput } from '../jobs/lookup.ts';
import { s3Client } from '../s3.ts';
import { EXPORT_URL_TTL_SECONDS, type ExportView, exportsStore, exportView } from './model.ts';

/**
 * Route 13: the export record; once it has succeeded, with a pre-signed GET URL of the file minted
 * for this read (valid 15 minutes), so a URL is never handed out already expired.
 */
export async function getExport(
  caller: Caller,
  input: JobLookupInput,
  now = new Date(),
): Promise<ExportView> {
  requireSupreme(caller);
  const doc = await findCampaignJob(exportsStore, input, {
    code: 'exportNotFound',
    message: 'No such export in this campaign',
  });
  if (doc.status !== 'succeeded' || doc.bucket === undefined) return exportView(doc);
  // Loaded on first use, not at cold start: most reads are of a running export or a 404.
  const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/s3-request-presigner'),
  ]);
  const url = await getSignedUrl(
    await s3Client(),
    new GetObjectCommand({ Bucket: doc.bucket, Key: doc.key }),
    {
      expiresIn: EXPORT_URL_TTL_SECONDS,
      signingDate: now,
    },
  );
  return exportView(doc, { url, expiresAt: new Date(now.getTime() + EXPORT_URL_TTL_SECONDS * 1000) });
}
