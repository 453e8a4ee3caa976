import type { GraphQLFormattedError } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from '../../client/generated/graphql';

export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

/**
 * POSTs one GraphQL operation as a client would, with an optional bearer token. A typed document from
 * client/operations (codegen) types the variables and the data; a string is for queries no client would send.
 */
export async function gql<R, V>(
  baseUrl: string,
  document: TypedDocumentString<R, V>,
  variables: V,
  token?: string,
): Promise<GraphqlResponse<R>>;
export async function gql<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphqlResponse<T>>;
export async function gql(
  baseUrl: string,
  query: string | TypedDocumentString<unknown, unknown>,
  variables: unknown = {},
  token?: string,
): Promise<GraphqlResponse<unknown>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: query.toString(), variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

/** The codes of a response's errors, in order. */
export const codesOf = (res: GraphqlResponse) => (res.errors ?? []).map((e) => e.extensions?.code);

/** A graphql-ws client on the server's /graphql socket; `closed` resolves with the close code. */
export function wsClient(baseUrl: string, connectionParams?: unknown): { client: Client; closed: Promise<number> } {
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: connectionParams as Record<string, unknown>,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  return { client, closed };
}

/** Runs one query over a graphql-ws client and resolves with its single result. */
export function wsQuery<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
) {
  return new Promise<GraphqlResponse<T>>((resolve, reject) => {
    let result: GraphqlResponse<T> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => (result = { status: 200, ...(value as object) }),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('no result'))),
      },
    );
  });
}
