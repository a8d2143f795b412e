import { type Caller, requireSupreme } from '../auth/caller.ts';
import { parseCampaignId } from '../codes/validation.ts';
import { exporterConfig } from '../config.ts';
import { newJobId } from '../jobs/model.ts';
import { exportRequestSchema, parseJobRequest } from '../jobs/requests.ts';
import { startJob } from '../jobs/start.ts';
import { EXPORT_REQUEST_KIND, type ExportDocument, exportKey, exportsStore } from './model.ts';

export interface StartExportInput {
  campaignId: unknown;
  body: unknown;
}

/** Route 12: starts an export of a pool (optionally one status); it runs in the export function. */
export async function startExport(
  caller: Caller,
  input: StartExportInput,
  now = new Date(),
): Promise<{ campaignId: string; exportId: string }> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  const request = parseJobRequest(exportRequestSchema, input.body);
  const exportId = newJobId();
  const doc: ExportDocument = {
    _id: exportId,
    campaignId,
    type: request.type,
    ...(request.status === undefined ? {} : { codeStatus: request.status }),
    key: exportKey(campaignId, exportId),
    status: 'running',
    progress: { rows: 0 },
    attempts: 0,
    startedAt: now,
    updatedAt: now,
  };
  await startJob(exportsStore, doc, {
    functionName: exporterConfig().functionName,
    kind: EXPORT_REQUEST_KIND,
  });
  return { campaignId, exportId };
}
