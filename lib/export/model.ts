import * as z from 'zod';
import type { CodeStatus, CodeType } from '../codes/model.ts';
import { type JobDocument, type JobViewBase, jobViewBase } from '../jobs/model.ts';
import { jobStore } from '../jobs/record-store.ts';

/**
 * The `exports` collection (contract §6a): one document per export of one pool, optionally of one
 * status, to `exports/<campaignId>/<exportId>.csv` in the codes bucket.
 */
export interface ExportDocument extends JobDocument {
  /** Only codes of this status; every code of the pool when absent. */
  codeStatus?: CodeStatus;
  key: string;
  /** Set by the export function when it starts (the bucket it writes to). */
  bucket?: string;
  /** Rows written so far by the running attempt (an attempt starts the file over). */
  progress: { rows: number };
  /** Once succeeded: data rows (the header not counted) and the file's size in bytes. */
  rows?: number;
  size?: number;
}

export interface ExportView extends JobViewBase {
  exportId: string;
  filter: { type: CodeType; status?: CodeStatus };
  key: string;
  progress: { rows: number };
  rows: number | undefined;
  size: number | undefined;
  /** Once succeeded: a pre-signed GET URL of the file, minted for each read (valid 15 minutes). */
  url?: string;
  urlExpiresAt?: Date;
}

export const EXPORT_URL_TTL_SECONDS = 15 * 60;

export function exportView(doc: ExportDocument, link?: { url: string; expiresAt: Date }): ExportView {
  return {
    exportId: doc._id,
    ...jobViewBase(doc),
    filter: { type: doc.type, ...(doc.codeStatus === undefined ? {} : { status: doc.codeStatus }) },
    key: doc.key,
    progress: doc.progress,
    rows: doc.rows,
    size: doc.size,
    ...(link ? { url: link.url, urlExpiresAt: link.expiresAt } : {}),
  };
}

/** Never under `codes/` (that prefix triggers the importer). */
export const exportKey = (campaignId: string, exportId: string): string =>
  `exports/${campaignId}/${exportId}.csv`;

export const exportsStore = jobStore<ExportDocument>('exports');

/** Route 12's hand-off to the export function (an asynchronous Invoke payload). */
export const EXPORT_REQUEST_KIND = 'codeExport';
export const exportInvocationSchema = z.object({
  kind: z.literal(EXPORT_REQUEST_KIND),
  jobId: z.string().regex(/^[0-9a-f]{32}$/),
});
export type ExportInvocation = z.infer<typeof exportInvocationSchema>;
