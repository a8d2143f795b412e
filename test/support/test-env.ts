import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { TEST_EVENT_BUS } from './global-setup.ts';

// Runs before each test file, in that file's module context. Each file gets its own database on
// the shared server, so files run in parallel without seeing each other's data.
process.env.MONGODB_URI = inject('mongoUri');
process.env.MONGODB_DB = `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
// The shared local EventBridge (global-setup.ts); local credentials, so the SDK never looks further.
process.env.AWS_ENDPOINT_URL_EVENTBRIDGE ??= inject('eventBridgeEndpoint');
process.env.EVENT_BUS_NAME ??= TEST_EVENT_BUS;
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_SERVICE_NAME ??= 'code-service';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'CodeService';
// The SDK's notice that its 2027 releases need Node 22 (Lambda runs Node 22); noise in test output here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
