import { type Caller, requireSupreme } from '../auth/caller.ts';
import { parseCampaignId } from '../codes/validation.ts';
import { uploadConfig } from '../config.ts';
import { ServiceError } from '../errors.ts';
import { handOff } from '../handoff.ts';
import { logger } from '../observability.ts';
import { parseFileKey } from './key.ts';
import { type ImportDocument, type ImportView, importIdOf, importView, isFinal } from './model.ts';
import { findImport } from './record-store.ts';
import { IMPORT_REQUEST_KIND, type ImportRequest } from './request.ts';
import { describeObject } from './source.ts';

/**
 * Route 1 (contract §4): import `s3://<BUCKET_NAME>/<fileKey>` through the same importer as the S3
 * trigger, and wait for it up to IMPORT_WAIT_MS. The import runs in the importer function, handed
 * over with an asynchronous Invoke: a function is frozen once it has answered, so work started
 * here could not outlive the answer, while the importer runs on (up to its own timeout) and its
 * failures are retried by the platform like a trigger's (lib/handoff.ts).
 */

/** Leave this much of the function's own time for answering. */
const ANSWER_MARGIN_MS = 1500;
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;

export interface UploadInput {
  campaignId: unknown;
  fileKey: unknown;
}

export type UploadResult =
  /** The import has finished (succeeded, or failed — see `status` and `error`). */
  | { state: 'finished'; record: ImportView }
  /** Still running after the wait: follow it on route 6. */
  | { state: 'running'; campaignId: string; importId: string };

export async function uploadCodes(
  caller: Caller,
  input: UploadInput,
  remainingMs: number,
): Promise<UploadResult> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  if (input.fileKey === undefined || input.fileKey === null || input.fileKey === '') {
    throw new ServiceError('invalidFileKey', 'fileKey is required');
  }
  const fileKey = parseFileKey(input.fileKey);
  if (fileKey.campaignId !== campaignId) {
    throw new ServiceError('invalidFileKey', 'the campaign in fileKey differs from the campaign in the path');
  }
  const config = uploadConfig();
  const deadline = Date.now() + Math.max(0, Math.min(config.waitMs, remainingMs - ANSWER_MARGIN_MS));
  const object = await describeObject(config.bucket, fileKey.key);
  if (!object) throw new ServiceError('fileNotFound', `${fileKey.key} does not exist`, 'notFound');
  const importId = importIdOf(object);
  const before = await findImport(importId);
  // Already imported (or failed for good): the same object version gives the same answer.
  if (before && isFinal(before)) return { state: 'finished', record: importView(before) };
  const request: ImportRequest = {
    kind: IMPORT_REQUEST_KIND,
    bucket: object.bucket,
    key: object.key,
    ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
    ...(object.eTag === undefined ? {} : { eTag: object.eTag }),
    ...(object.size === undefined ? {} : { size: object.size }),
    source: 'api',
    ...correlation(),
  };
  await handOff(config.importFunctionName, request);
  logger.info('Import handed to the importer', { importId, key: object.key });
  const done = await waitForImport(importId, deadline);
  return done ? { state: 'finished', record: importView(done) } : { state: 'running', campaignId, importId };
}

/** The request's correlation id, handed on so the import logs under it (contract §6). */
function correlation(): { correlationId?: string } {
  const id = logger.getCorrelationId();
  return typeof id === 'string' && id !== '' ? { correlationId: id } : {};
}

/**
 * Polls the import record (100 ms, growing to 1 s) until the import has finished for good:
 * succeeded, or failed in a way no retry can mend. A transient failure is not an answer — Lambda's
 * asynchronous retry resumes it — so the caller keeps waiting, or gets 202 and follows route 6.
 */
async function waitForImport(importId: string, deadline: number): Promise<ImportDocument | undefined> {
  let pause = FIRST_POLL_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    // Pause first: the record was read just before the hand-off.
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(MAX_POLL_MS, Math.round(pause * 1.5));
    const doc = await findImport(importId);
    if (doc && isFinal(doc)) return doc;
  }
}
