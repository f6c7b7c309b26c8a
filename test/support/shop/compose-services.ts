import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ServiceSpec {
  name: string;
  replicas: number;
  environment: Record<string, string>;
  /** Where each of the service's Docker secrets appears in the container → the file it comes from. */
  secretFiles: Record<string, string>;
}

type SecretRef = string | { source: string; target?: string };

interface ComposeFile {
  secrets?: Record<string, { file?: string }>;
  services: Record<
    string,
    { profiles?: string[]; build?: unknown; deploy?: { replicas?: number }; environment?: Record<string, string>; secrets?: SecretRef[] }
  >;
}

/** The application services of a docker-compose.yml profile, as the file declares them. */
export function composeServices(profile: string, file = resolve(__dirname, '../../../docker-compose.yml')): ServiceSpec[] {
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
  const secretFile = (name: string) => resolve(dirname(file), compose.secrets?.[name]?.file ?? `missing secret ${name}`);
  return Object.entries(compose.services)
    .filter(([, s]) => s.build !== undefined && s.profiles?.includes(profile))
    .map(([name, s]) => ({
      name,
      replicas: s.deploy?.replicas ?? 1,
      environment: { ...(s.environment ?? {}) },
      secretFiles: Object.fromEntries(
        (s.secrets ?? []).map((ref) => {
          const { source, target } = typeof ref === 'string' ? { source: ref, target: undefined } : ref;
          return [target ?? `/run/secrets/${source}`, secretFile(source)];
        }),
      ),
    }));
}

/**
 * Points a service's environment at this machine: the compose hosts `postgres` and `nats` become
 * the local servers, each compose database becomes the suite's own database, and a secret's
 * `<NAME>_FILE` reads the file the compose secret is made from (the NATS URL is the suite's own).
 */
export function localEnvironment(env: Record<string, string>, databases: Record<string, string>, natsUrl: string, secretFiles: Record<string, string> = {}) {
  const local: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('DATABASE_URL')) {
      const database = new URL(value).pathname.slice(1);
      if (!databases[database]) throw new Error(`docker-compose.yml names a database the suite has no stand-in for: ${database}`);
      local[key] = databases[database];
    } else if (key === 'NATS_URL' || key === 'NATS_URL_FILE') local.NATS_URL = natsUrl;
    else if (key.endsWith('_FILE') && secretFiles[value]) local[key] = secretFiles[value];
    else if (key.endsWith('_FILE') && value.startsWith('/run/secrets/')) throw new Error(`docker-compose.yml: ${key} reads a secret the service does not list`);
    else if (key !== 'SMTP_URL') local[key] = value; // no mail catcher here: e-mails are recorded
  }
  return local;
}
