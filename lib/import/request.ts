import * as z from 'zod';

/**
 * Route 1's hand-off to the importer function (an asynchronous Invoke payload): the object the
 * upload route checked exists, with its version identity; the key is not URL-encoded. Kept apart
 * from the importer so the upload function does not bundle it.
 */
export const IMPORT_REQUEST_KIND = 'codeImport';

export const importRequestSchema = z.object({
  kind: z.literal(IMPORT_REQUEST_KIND),
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  eTag: z.string().min(1).optional(),
  size: z.number().int().nonnegative().optional(),
  source: z.literal('api'),
  /** The upload request's correlation id: the import logs under it and its record keeps it. */
  correlationId: z.string().min(1).max(128).optional(),
});
export type ImportRequest = z.infer<typeof importRequestSchema>;
