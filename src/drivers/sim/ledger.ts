/**
 * The state and call counts shared by the sim drivers of one worker process: a tiny simulated
 * site (power, boot device, enlisted/commissioned/deployed machines, switch ports, labels) so
 * that workflows over sim drivers behave like a real deployment, and every call is counted for
 * the benchmark and the tests.
 */
export interface SimNodeState {
  power: 'on' | 'off';
  boot: string;
  known: boolean;
  status: 'New' | 'Ready' | 'Deployed';
  ports: 'none' | 'provisioning' | 'production';
  labels: Record<string, string>;
}

export interface SimCall {
  driver: string;
  action: string;
  node?: string;
  start: number;
  end: number;
  /** The action was cancelled before its latency ran out. */
  aborted?: boolean;
}

export class SimLedger {
  readonly nodes = new Map<string, SimNodeState>();
  readonly calls: SimCall[] = [];
  private readonly failuresSeen = new Map<string, number>();

  node(name: string): SimNodeState {
    let state = this.nodes.get(name);
    if (!state) {
      state = { power: 'off', boot: 'disk', known: false, status: 'New', ports: 'none', labels: {} };
      this.nodes.set(name, state);
    }
    return state;
  }

  count(action: string, node?: string): number {
    return this.calls.filter((c) => c.action === action && (node === undefined || c.node === node)).length;
  }

  /** How many times an injected failure has fired, and counts it. */
  failureFired(key: string): number {
    const n = this.failuresSeen.get(key) ?? 0;
    this.failuresSeen.set(key, n + 1);
    return n;
  }

  reset(): void {
    this.nodes.clear();
    this.calls.length = 0;
    this.failuresSeen.clear();
  }
}

/** The ledger the sim drivers of this process share unless one is injected. */
export const processSimLedger = new SimLedger();
