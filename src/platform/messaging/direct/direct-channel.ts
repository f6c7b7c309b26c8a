/** A request the other side will never take as it is (it broke the request's schema): do not send it again. */
export class RequestRefusedError extends Error {}

export type DirectHandler = (body: unknown) => Promise<void>;

/**
 * Point-to-point requests that no broker stores: for data that must not sit in a stream (a card
 * token). `send` resolves once a server of `name` has handled the request, and rejects when none
 * answers (the sender keeps it and tries again) or with RequestRefusedError.
 */
export abstract class DirectChannel {
  abstract serve(name: string, handler: DirectHandler): Promise<void>;
  abstract send(name: string, body: unknown): Promise<void>;
}
