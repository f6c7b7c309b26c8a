import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AdminCredentials, AdminScope } from '../platform/admin/admin-credentials';

export class OperatorRefusedError extends Error {}

/**
 * The CLI's side of the operator credential: the same ADMIN_TOKEN (or ADMIN_TOKEN_FILE) as the
 * HTTP operator endpoints. Unset, every command is refused (they are off, never open); personal
 * data needs ADMIN_FULL_TOKEN, as `reveal=personal` does over HTTP.
 */
@Injectable()
export class OperatorAccess {
  private readonly credentials: AdminCredentials;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.credentials = new AdminCredentials(config.admin);
  }

  /** The scope the environment's credential grants; refuses when there is none. */
  scope(): AdminScope {
    const presented = this.config.admin.fullToken ?? this.config.admin.token;
    const result = this.credentials.authenticate(presented ? `Bearer ${presented}` : undefined);
    if ('granted' in result) return result.granted;
    throw new OperatorRefusedError(
      'the operator commands are off: ADMIN_TOKEN is not set. The CLI takes the same credential as the HTTP operator endpoints (ADMIN_TOKEN or ADMIN_TOKEN_FILE)',
    );
  }

  requirePersonalData(): void {
    if (this.scope() !== 'full') throw new OperatorRefusedError('personal data needs the full admin scope: set ADMIN_FULL_TOKEN (or ADMIN_FULL_TOKEN_FILE)');
  }

  /** The bearer for HTTP calls to a running shop (timeline). */
  bearer(): string {
    this.scope();
    return `Bearer ${this.config.admin.token}`;
  }
}
