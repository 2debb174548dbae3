import { xmppPorts } from "../../components/xmpp/render";
import { XmppServer, xmppDefaults } from "../../components/xmpp/xmppServer";
import { at, serviceEntry } from "./service";

// Prosody with multi-user chat: on the first address, and direct TLS on 443 on its own address in port443.

export const xmpp = serviceEntry({
    certificateNames: (domain) => [domain, `conference.${domain}`],
    ports: (plan) => xmppPorts({ clientPort: xmppDefaults.clientPort, serverPort: xmppDefaults.serverPort, directTls443: plan.xmpp?.directTls443 !== undefined }),
    make: ({ host, config, plan, certificate, usersOf }) => new XmppServer("xmpp", {
        host,
        domains: [config.domain],
        ipv4: at(host, plan.xmpp!.ipv4),
        directTls443Address: plan.xmpp!.directTls443 === undefined ? undefined : at(host, [plan.xmpp!.directTls443])[0],
        certificate,
        admins: Object.entries(config.users).filter(([, u]) => u.xmppAdmin).map(([name]) => `${name}@${config.domain}`),
        users: usersOf("xmpp").map((u) => ({ jid: `${u.name}@${config.domain}`, password: u.password })),
    }),
    endpoint: (x) => ({ domains: x.domains, hostname: x.hostname }),
});
