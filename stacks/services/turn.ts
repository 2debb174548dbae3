import { resolveAddressesIn } from "../../components/common/addresses";
import { turnPorts } from "../../components/turn/render";
import { TurnServer, turnDefaults } from "../../components/turn/turnServer";
import type { FalcotConfig } from "../config";
import { at, serviceEntry } from "./service";

// coturn: on every address of its host in the standard layout, on its own address and 443 in port443. With
// time-limited credentials beside users, a second coturn process takes those on its own ports.

const hasTurnUsers = (config: FalcotConfig) => Object.values(config.users).some((u) => u.services.includes("turn"));

export const turn = serviceEntry({
    certificateNames: (domain) => [`turn-server.${domain}`],
    ports: (plan, config) => {
        const alternates = (plan.turn?.ipv4.length ?? 0) >= 2;
        return [
            ...turnPorts({ port: turnDefaults.port, tlsPort: plan.turn?.tlsPort ?? turnDefaults.tlsPort, relayPorts: turnDefaults.relayPorts, alternates }),
            ...(config.turnRestCredentials && hasTurnUsers(config) ? turnPorts({ ...turnDefaults.rest, alternates }) : []),
        ];
    },
    make: ({ host, config, plan, certificate, usersOf, secrets }) => new TurnServer("turn", {
        host,
        domain: config.domain,
        ipv4: at(host, plan.turn!.ipv4),
        tlsPort: plan.turn!.tlsPort,
        certificate,
        users: usersOf("turn"),
        adminUsers: usersOf("turnAdmin"),
        staticAuthSecret: secrets.turnStaticAuthSecret,
    }),
    endpoint: (t) => ({ hostname: t.hostname, realm: t.realm, addresses: resolveAddressesIn(t.ipv4), ...(t.restUris ? { restUris: t.restUris } : {}) }),
});
