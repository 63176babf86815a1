/** Where provision keeps its own state on a host. */
export const HOST_STATE_DIR = '/var/lib/provision';

/** In HOST_STATE_DIR: when the last apply ended with every change made (seconds since the epoch). */
export const LAST_APPLY_FILE = 'last-apply';
