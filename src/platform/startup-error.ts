/**
 * A failure at boot that the operator fixes outside the code (a refused password, an unknown
 * CA): main.ts prints its message alone, without a stack, and exits. The message never holds a
 * secret.
 */
export class StartupError extends Error {}
