import { KdrError } from '../core/errors.js';

export interface ConnectorState {
  name: string;
  state: string;
  tasks: Array<{ id: number; state: string; trace?: string }>;
  error?: string;
}

/** A small client for the Kafka Connect REST API with a hard timeout on every call. */
export class ConnectRest {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 3000,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const why =
        (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : causeText(err);
      throw new KdrError(
        'KDR_CONNECT_UNREACHABLE',
        `Kafka Connect at ${this.baseUrl} is unreachable: ${why}`,
        {
          hint: 'check that the Connect worker runs and that kdr can reach its REST port',
          retriable: true,
          cause: err,
        },
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    return { status: res.status, body: parsed as T };
  }

  async connectorStatus(name: string): Promise<ConnectorState> {
    const { status, body } = await this.request<{
      connector: { state: string; trace?: string };
      tasks: Array<{ id: number; state: string; trace?: string }>;
      message?: string;
    }>('GET', `/connectors/${encodeURIComponent(name)}/status`);
    if (status === 404)
      return {
        name,
        state: 'MISSING',
        tasks: [],
        error: `connector ${name} does not exist on ${this.baseUrl}`,
      };
    if (status !== 200)
      return {
        name,
        state: 'UNKNOWN',
        tasks: [],
        error: `Connect answered ${status}: ${summary(body?.message ?? '')}`,
      };
    return {
      name,
      state: body.connector.state,
      tasks: body.tasks.map((t) => ({
        id: t.id,
        state: t.state,
        ...(t.trace ? { trace: summary(t.trace) } : {}),
      })),
    };
  }

  /** Creates or updates a connector (idempotent PUT). */
  async putConnectorConfig(name: string, config: Record<string, string>): Promise<number> {
    const { status, body } = await this.request<{ message?: string }>(
      'PUT',
      `/connectors/${encodeURIComponent(name)}/config`,
      config,
    );
    if (status >= 400) {
      throw new KdrError(
        'KDR_CONNECT_REJECTED',
        `Connect rejected connector ${name}: ${status} ${body?.message ?? ''}`,
        {
          hint: 'check the connector configuration',
          retriable: status === 409 || status >= 500,
        },
      );
    }
    return status;
  }

  /**
   * A MirrorSourceConnector's committed source offsets (Kafka 3.5+): per source topic-partition, the upstream
   * offset of the last record it replicated. Lags reality by up to the worker's offset.flush.interval.ms.
   */
  async sourceOffsets(name: string): Promise<Map<string, number>> {
    const { status, body } = await this.request<{
      offsets?: Array<{ partition: { topic?: string; partition?: number }; offset: { offset?: number } }>;
      message?: string;
    }>('GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    if (status !== 200) {
      throw new KdrError(
        'KDR_CONNECT_OFFSETS',
        `Connect answered ${status} for the offsets of ${name}: ${body?.message ?? ''}`,
        {
          hint: 'GET /connectors/{name}/offsets needs Kafka Connect 3.5+; kdr falls back to MM2 offset syncs',
          retriable: status >= 500,
        },
      );
    }
    const out = new Map<string, number>();
    for (const o of body.offsets ?? []) {
      if (
        o.partition.topic !== undefined &&
        o.partition.partition !== undefined &&
        typeof o.offset.offset === 'number'
      ) {
        out.set(`${o.partition.topic}:${o.partition.partition}`, o.offset.offset);
      }
    }
    return out;
  }

  /** PUT /connectors/{name}/pause|resume|stop (asynchronous: 202; poll the status). */
  async setConnectorState(name: string, action: 'pause' | 'resume' | 'stop'): Promise<void> {
    const { status, body } = await this.request<{ message?: string }>(
      'PUT',
      `/connectors/${encodeURIComponent(name)}/${action}`,
    );
    if (status !== 202 && status !== 204 && status !== 200) {
      throw new KdrError(
        'KDR_CONNECT_REJECTED',
        `Connect refused to ${action} ${name}: ${status} ${body?.message ?? ''}`,
        {
          hint:
            status === 404 ? 'no such connector on this Connect cluster' : 'check the Connect worker logs',
          retriable: status >= 500,
        },
      );
    }
  }

  /** The connector's configuration, or undefined when it does not exist. */
  async connectorConfig(name: string): Promise<Record<string, string> | undefined> {
    const { status, body } = await this.request<Record<string, string> & { message?: string }>(
      'GET',
      `/connectors/${encodeURIComponent(name)}/config`,
    );
    if (status === 404) return undefined;
    if (status !== 200) throw rejected(`read the config of ${name}`, status, body?.message);
    return body;
  }

  /**
   * Creates a connector in `initialState` (POST /connectors; STOPPED needs Connect 3.7+, KIP-980), so its offsets
   * can be set before it reads anything. A connector that exists already answers 409: `exists` is then true.
   */
  async createConnector(
    name: string,
    config: Record<string, string>,
    initialState: 'RUNNING' | 'STOPPED' | 'PAUSED' = 'RUNNING',
  ): Promise<{ exists: boolean }> {
    const { status, body } = await this.request<{ message?: string }>('POST', '/connectors', {
      name,
      config: { ...config, name },
      initial_state: initialState,
    });
    if (status === 409) return { exists: true };
    if (status !== 201 && status !== 200) throw rejected(`create ${name}`, status, body?.message);
    return { exists: false };
  }

  /** DELETE /connectors/{name}/offsets (Connect 3.6+, the connector STOPPED): it starts over from nothing. */
  async resetOffsets(name: string): Promise<void> {
    const { status, body } = await this.request<{ message?: string }>(
      'DELETE',
      `/connectors/${encodeURIComponent(name)}/offsets`,
    );
    if (status !== 200) throw rejected(`reset the offsets of ${name}`, status, body?.message);
  }

  /**
   * PATCH /connectors/{name}/offsets (Connect 3.6+, the connector STOPPED) with MirrorSourceConnector's format:
   * partition {cluster, topic, partition}, offset {offset}: the last upstream offset replicated (it resumes after);
   * null forgets the partition's position (it starts from the beginning).
   */
  async alterMirrorOffsets(
    name: string,
    sourceAlias: string,
    entries: Array<{ topic: string; partition: number; lastReplicated: number | null }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    const { status, body } = await this.request<{ message?: string }>(
      'PATCH',
      `/connectors/${encodeURIComponent(name)}/offsets`,
      {
        offsets: entries.map((e) => ({
          partition: { cluster: sourceAlias, topic: e.topic, partition: e.partition },
          offset: e.lastReplicated === null ? null : { offset: e.lastReplicated },
        })),
      },
    );
    if (status !== 200) throw rejected(`set the offsets of ${name}`, status, body?.message);
  }

  /** DELETE /connectors/{name}; a connector that is not there counts as deleted. */
  async deleteConnector(name: string): Promise<void> {
    const { status, body } = await this.request<{ message?: string }>(
      'DELETE',
      `/connectors/${encodeURIComponent(name)}`,
    );
    if (status !== 204 && status !== 200 && status !== 404)
      throw rejected(`delete ${name}`, status, body?.message);
  }

  async listConnectors(): Promise<string[]> {
    const { status, body } = await this.request<string[]>('GET', '/connectors');
    if (status !== 200)
      throw new KdrError('KDR_CONNECT_NOT_READY', `Connect answered ${status} to GET /connectors`, {
        retriable: true,
      });
    return body;
  }
}

function rejected(what: string, status: number, message?: string): KdrError {
  return new KdrError(
    'KDR_CONNECT_REJECTED',
    // Connect's message can carry a Java exception chain: its first line only, capped (the worker logs the call)
    `Connect refused to ${what}: ${status} ${summary(message ?? '')}`.trim(),
    {
      hint:
        status === 404
          ? 'no such connector on this Connect cluster'
          : 'check the Connect worker logs (creating stopped connectors and setting offsets need Connect 3.7+)',
      retriable: status === 409 || status >= 500,
    },
  );
}

/** The first line of a Java trace or message, at most 300 characters: what a channel may see of it. */
export function summary(s: string): string {
  const line = (s.split('\n')[0] ?? s).trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
