import type { LocalStack } from './stack.ts';

/** A connection string fit to print: any password replaced. */
export const redactUri = (uri: string): string => uri.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/**
 * What `npm start` prints once everything is up: where things are, a ready supreme token, and
 * commands to copy (a shell session that sets TOKEN first).
 */
export function banner(
  stack: Pick<LocalStack, 'apiUrl' | 's3Endpoint' | 'bucket' | 'mongoUri' | 'supremeToken'>,
  embeddedMongo: boolean,
): string {
  const { apiUrl, s3Endpoint, bucket } = stack;
  const key = 'codes/demo/tm/codes.csv';
  const auth = '-H "authorization: Bearer $TOKEN"';
  const jsonBody = "-H 'content-type: application/json'";
  return `
code-service is running locally

  Console   ${apiUrl}/   (the dashboard, pools, imports and events in a browser)
  API       ${apiUrl}
  S3        ${s3Endpoint}   bucket ${bucket}
  MongoDB   ${redactUri(stack.mongoUri)}${embeddedMongo ? '   (embedded)' : ''}

A supreme token (valid 12 hours):

  export TOKEN=${stack.supremeToken}

Try it:

  # another token (without "isSupreme": true every operation answers 401 supremeUserRequired)
  curl -s -X POST ${apiUrl}/dev/token ${jsonBody} -d '{"isSupreme": true, "sub": "me"}'

  # drop a CSV: any codes/<campaignId>/<tm|external>/<name>.csv starts an import
  printf 'code\\nDEMO-0001\\nDEMO-0002\\nDEMO-0003\\n' > codes.csv
  curl -T codes.csv ${s3Endpoint}/${bucket}/${key}
  #   or with the AWS CLI:
  #   AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REQUEST_CHECKSUM_CALCULATION=when_required \\
  #     aws --endpoint-url ${s3Endpoint} s3 cp codes.csv s3://${bucket}/${key}

  # count, reserve (note the x-reserve-id header), assign, release
  curl -s ${auth} '${apiUrl}/v1/demo/codes/count?type=tm'
  curl -s -i ${auth} '${apiUrl}/v1/demo/reserve?count=2&type=tm'
  curl -s -X POST ${auth} ${jsonBody} -d '{"codes": ["DEMO-0001"]}' ${apiUrl}/v1/demo/assign
  curl -s -X POST ${auth} ${jsonBody} -d '{"reserveId": "<x-reserve-id>"}' ${apiUrl}/v1/demo/release

  # or import through the API (waits for the result)
  curl -s -X POST ${auth} ${jsonBody} -d '{"fileKey": "${key}"}' ${apiUrl}/v1/demo/codes

  # low-stock alerts: set a threshold, then see what the sweep and the importer published
  curl -s -X PUT ${auth} ${jsonBody} -d '{"lowStockThreshold": 2}' ${apiUrl}/v1/demo/pools/tm
  curl -s '${apiUrl}/dev/events'

Ctrl-C stops everything.
`;
}
