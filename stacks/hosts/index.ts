import { aws } from "./aws";
import { existing } from "./existing";
import { hcloud } from "./hcloud";
import { local } from "./local";
import { HostProvider } from "./provider";

// The host providers, by the name `hosts.<name>.provider` gives. A new provider is a file and a row here.

const table = { existing, local, hcloud, aws };

export type HostProviderName = keyof typeof table;
export const hostProviders: Readonly<Record<HostProviderName, HostProvider>> = table;

/** The provider of a host whose config names none. */
export const defaultHostProvider: HostProviderName = "existing";
