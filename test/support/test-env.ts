import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

// Runs before each test file, in that file's module context. Each file gets its own database on
// the shared server, so files run in parallel without seeing each other's data.
process.env.MONGODB_URI = inject('mongoUri');
process.env.MONGODB_DB = `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_SERVICE_NAME ??= 'code-service';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'CodeService';
// The SDK's notice that its 2027 releases need Node 22 (Lambda runs Node 22); noise in test output here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
