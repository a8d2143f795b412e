import { Worker } from 'node:worker_threads';
import { lambdaContext, logStreamName } from './lambda-context.ts';
import { FunctionTimeoutError } from './local-function.ts';

/** What a container (function-worker.mjs) is started with: its workerData. */
interface ContainerData {
  /** file:// URL of the function's bundle. */
  bundle: string;
  functionName: string;
}

/** One invocation as the worker receives it: the context's data fields, its deadline, the event. */
interface Invocation {
  context: Record<string, unknown>;
  /** Epoch ms at which the invocation times out (getRemainingTimeInMillis counts down to it). */
  deadline: number;
  event: unknown;
}

export type InvocationResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; stack?: string | undefined } };

/** Who hears what a function's containers report, as CloudWatch hears Lambda's and EMF's. */
export interface FunctionObserver {
  /** One EMF line the function's code printed (Powertools Metrics). */
  metricsLine(line: string): void;
  /** Each invocation, once it ended. */
  invoked(outcome: InvocationOutcome): void;
}

/** One invocation as Lambda's metrics see it. */
export interface InvocationOutcome {
  /** From the start of the handler's run to its end (a cold start's init excluded). */
  durationMs: number;
  /** Thrown, rejected, timed out or crashed: Lambda's Errors. */
  failed: boolean;
  /** When it started (epoch ms). */
  at: number;
}

export interface FunctionSpec {
  functionName: string;
  bundle: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  memoryMb: number;
  observer?: FunctionObserver;
}

/** A message of function-worker.mjs: ready, an EMF line, or an invocation's result. */
type WorkerMessage = { ready: true } | { emf: string } | InvocationResult;

const WORKER = new URL('./function-worker.mjs', import.meta.url);

/** A failure the function's code reported: rethrown with its own name, message and stack. */
function rebuild(error: { name: string; message: string; stack?: string | undefined }): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

/** One warm container: a worker thread running one invocation at a time. */
class Container {
  private readonly worker: Worker;
  /** Like a log stream: one per container. */
  readonly logStreamName = logStreamName();
  readonly ready: Promise<void>;
  private pending: ((result: InvocationResult | Error) => void) | undefined;
  dead = false;

  constructor(spec: FunctionSpec) {
    const data: ContainerData = { bundle: spec.bundle, functionName: spec.functionName };
    this.worker = new Worker(WORKER, { workerData: data, env: spec.env });
    let started: () => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      this.worker.once('error', reject);
      this.worker.once('exit', (code) =>
        reject(new Error(`${spec.functionName} exited during init (${code})`)),
      );
    });
    this.worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) started();
      else if ('emf' in message) spec.observer?.metricsLine(message.emf);
      else {
        const pending = this.pending;
        this.pending = undefined;
        pending?.(message);
      }
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`${spec.functionName}: Runtime exited with code ${code}`)),
    );
    this.ready.catch(() => undefined);
  }

  private fail(error: Error): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.(error);
  }

  run(invocation: Invocation): Promise<InvocationResult | Error> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage(invocation);
    });
  }

  /** The running invocation's time left becomes zero (see function-worker.mjs). */
  windDown(): void {
    if (!this.dead) this.worker.postMessage({ windDown: true });
  }

  async stop(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

/**
 * The containers of one function, as Lambda keeps them: an invocation takes an idle warm
 * container or starts a new one (a cold start), so concurrent invocations never share module
 * state; a container whose invocation timed out or crashed is discarded and replaced by the next
 * cold start.
 */
export class FunctionContainers {
  private readonly idle: Container[] = [];
  private readonly all = new Set<Container>();
  private stopped = false;
  private windingDown = false;

  constructor(
    /** The route table's id (`importS3`). */
    readonly id: string,
    readonly spec: FunctionSpec,
  ) {}

  /** The deployed name, as the gateway and the Lambda API name the function. */
  get name(): string {
    return this.spec.functionName;
  }

  async invoke(event: unknown, requestId: string): Promise<unknown> {
    if (this.stopped) throw new Error(`${this.spec.functionName} is shutting down`);
    let container = this.idle.pop();
    if (!container) {
      container = new Container(this.spec);
      this.all.add(container);
      try {
        await container.ready;
      } catch (error) {
        this.discard(container);
        throw new Error(`${this.spec.functionName} failed to start: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const { timeoutMs, functionName } = this.spec;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    // The context's data travels to the worker; its functions are rebuilt there.
    const { getRemainingTimeInMillis, done, fail, succeed, ...context } = lambdaContext({
      functionName,
      timeoutMs,
      requestId,
      logStreamName: container.logStreamName,
      memoryMb: this.spec.memoryMb,
    });
    // Once winding down, an invocation starts with no time left (an import stops before its first batch).
    const deadline = this.windingDown ? Date.now() : Date.now() + timeoutMs;
    const at = Date.now();
    const began = performance.now();
    const outcome = await Promise.race([container.run({ context, deadline, event }), timedOut]);
    clearTimeout(timer);
    this.spec.observer?.invoked({
      durationMs: performance.now() - began,
      failed: outcome === 'timeout' || outcome instanceof Error || !outcome.ok,
      at,
    });
    if (outcome === 'timeout') {
      this.discard(container);
      throw new FunctionTimeoutError(functionName, timeoutMs);
    }
    if (outcome instanceof Error) {
      this.discard(container);
      throw outcome;
    }
    if (container.dead) this.discard(container);
    else if (!this.stopped) this.idle.push(container);
    if (!outcome.ok) throw rebuild(outcome.error);
    return outcome.value;
  }

  private discard(container: Container): void {
    this.all.delete(container);
    const at = this.idle.indexOf(container);
    if (at !== -1) this.idle.splice(at, 1);
    void container.stop();
  }

  /** Containers running right now (idle or busy), for measurements. */
  get size(): number {
    return this.all.size;
  }

  /**
   * The stack is stopping: every running invocation's remaining time drops to zero, as if its
   * timeout had come, so work that watches it (the importer) stops at its next safe point, while
   * quick ones just finish. Terminating the containers is stop()'s job, after they had that chance.
   */
  windDown(): void {
    this.windingDown = true;
    for (const container of this.all) container.windDown();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.all].map((container) => container.stop()));
    this.all.clear();
    this.idle.length = 0;
  }
}
