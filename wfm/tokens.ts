/** Where an adapter gets its bearer token. OAuth sources (Genesys Cloud) cache and renew; a static token does not. */
export interface TokenSource {
  token(): Promise<string>;
  /** Called once after a 401; returns a fresh token (a static token returns itself, and the 401 then stands). */
  renew(): Promise<string>;
}

export function staticToken(value: string): TokenSource {
  return { token: async () => value, renew: async () => value };
}
