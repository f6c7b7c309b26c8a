/**
 * Stream, subject and consumer names. A namespace prefixes them all, so test suites (and several
 * deployments on one NATS) never see each other's messages.
 */
export class MessagingNames {
  constructor(readonly namespace: string) {}

  subject(type: string): string {
    return this.namespace ? `${this.namespace}.${type}` : type;
  }

  typeOf(subject: string): string {
    return this.namespace ? subject.slice(this.namespace.length + 1) : subject;
  }

  stream(module: string): string {
    return (this.namespace ? `${this.namespace}_${module}` : module).toUpperCase();
  }

  streamSubjects(module: string): string {
    return this.subject(`${module}.>`);
  }

  /** `payments_OrderPlaced`: the stream already carries the namespace. */
  durable(consumer: string, type: string): string {
    return `${consumer}_${type.slice(type.indexOf('.') + 1)}`;
  }
}
