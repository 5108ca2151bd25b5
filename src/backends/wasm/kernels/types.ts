import type { Aval } from "../../backend.js";
import type { Ctx, Storage } from "../context.js";

/**
 * A wasm kernel: runs primitive P on the inputs and returns the output's storage, or null to decline
 * (a dtype or case it does not handle natively), in which case the backend runs the reference kernel
 * on views of the inputs instead.
 */
export type NativeKernel<P> = (c: Ctx, inputs: Storage[], avals: Aval[], params: P, out: Aval) => Storage | null;

/** How the wasm backend runs one primitive: natively (with optional declines), or by the reference kernel. */
export type Entry<P> = { readonly native: NativeKernel<P> } | { readonly fallback: string };
