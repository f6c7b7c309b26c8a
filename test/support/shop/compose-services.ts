import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export interface ServiceSpec {
  name: string;
  replicas: number;
  environment: Record<string, string>;
}

interface ComposeFile {
  services: Record<string, { profiles?: string[]; build?: unknown; deploy?: { replicas?: number }; environment?: Record<string, string> }>;
}

/** The application services of a docker-compose.yml profile, as the file declares them. */
export function composeServices(profile: string, file = resolve(__dirname, '../../../docker-compose.yml')): ServiceSpec[] {
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
  return Object.entries(compose.services)
    .filter(([, s]) => s.build !== undefined && s.profiles?.includes(profile))
    .map(([name, s]) => ({ name, replicas: s.deploy?.replicas ?? 1, environment: { ...(s.environment ?? {}) } }));
}

/**
 * Points a service's environment at this machine: the compose hosts `postgres` and `nats` become
 * the local servers, and each compose database becomes the suite's own database.
 */
export function localEnvironment(env: Record<string, string>, databases: Record<string, string>, natsUrl: string) {
  const local: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('DATABASE_URL')) {
      const database = new URL(value).pathname.slice(1);
      if (!databases[database]) throw new Error(`docker-compose.yml names a database the suite has no stand-in for: ${database}`);
      local[key] = databases[database];
    } else if (key === 'NATS_URL') local[key] = natsUrl;
    else if (key !== 'SMTP_URL') local[key] = value; // no mail catcher here: e-mails are recorded
  }
  return local;
}
