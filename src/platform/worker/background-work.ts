/**
 * Provided as `false` by a process that must run no background loops of the modules it hosts
 * (the operator CLI: it boots the modules to reuse their handlers, never to work their queues).
 * Unprovided, the loops run.
 */
export const BACKGROUND_WORK = Symbol('BACKGROUND_WORK');
