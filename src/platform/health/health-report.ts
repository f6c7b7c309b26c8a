export interface DependencyCheck {
  name: string;
  up: boolean;
}

type Entries = Record<string, { status: 'up' | 'down' }>;

/** Terminus' shape (`info`, `error`, `details`) plus the names of what failed; never an error text. */
export interface HealthReport {
  status: 'ok' | 'error';
  failing?: string[];
  info: Entries;
  error: Entries;
  details: Entries;
}

export function healthReport(checks: readonly DependencyCheck[]): HealthReport {
  const entries = (up: boolean): Entries =>
    Object.fromEntries(checks.filter((c) => c.up === up).map((c) => [c.name, { status: up ? 'up' : 'down' }]));
  const failing = checks.filter((c) => !c.up).map((c) => c.name);
  return {
    status: failing.length ? 'error' : 'ok',
    ...(failing.length ? { failing } : {}),
    info: entries(true),
    error: entries(false),
    details: Object.fromEntries(checks.map((c) => [c.name, { status: c.up ? 'up' : 'down' }])),
  };
}
