import { DomainError } from '../../../platform/domain-error';

export class TimelineNotFoundError extends DomainError {
  constructor(id: string) {
    super('TIMELINE_NOT_FOUND', `no event of order ${id} was seen`, 'not-found');
  }
}
