import { checkHealth } from '../lib/health.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** GET /heartbeat (no auth): 200 when MongoDB answers, else 503. */
export const handler = httpHandler(
  async () => {
    const health = await checkHealth();
    return json(health.status === 'ok' ? 200 : 503, health);
  },
  { public: true },
);
