/**
 * Helpers for users' own tests.
 * @module
 */
export {};
