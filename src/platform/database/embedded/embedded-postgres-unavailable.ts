import { ConfigError } from '../../../config/app-config';

/**
 * The embedded Postgres cannot run in this environment. A ConfigError: main.ts prints the message
 * alone (no stack), and the way out is configuration (DATABASE_URL, EMBEDDED_POSTGRES_DIR).
 */
export class EmbeddedPostgresUnavailable extends ConfigError {}
