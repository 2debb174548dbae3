import { sipPorts } from "../../components/sip/render";
import { SipProxy, sipDefaults } from "../../components/sip/sipProxy";
import { at, serviceEntry } from "./service";

// Kamailio on MariaDB: SIP on the first address, and SIP over TLS on 443 on its own address in port443; the
// click-to-call page's guests may call its destinations.

export const sip = serviceEntry({
    certificateNames: (domain) => [`sip-proxy.${domain}`, `sip.${domain}`],
    ports: (plan, config) => sipPorts({ port: sipDefaults.port, tlsPort: sipDefaults.tlsPort, tls443: plan.sip?.tls443 !== undefined,
        webSocketPort: config.sipWebSocket ? sipDefaults.webSocketPort : undefined }),
    make: ({ host, config, plan, certificate, usersOf, secrets }) => new SipProxy("sip", {
        host,
        domain: config.domain,
        ipv4: at(host, plan.sip!.ipv4),
        tls443Address: plan.sip!.tls443 === undefined ? undefined : at(host, [plan.sip!.tls443])[0],
        certificate,
        users: usersOf("sip"),
        webSocket: config.sipWebSocket ? {} : undefined,
        floodLimit: config.sip.floodLimit === 0 ? false : config.sip.floodLimit,
        guests: config.clickToCall.enabled ? { secret: secrets.sipGuestSecret!, destinations: config.clickToCall.destinations } : undefined,
    }),
    endpoint: (s) => ({ domain: s.sipDomain, hostname: s.hostname, ...(s.webSocketUrl ? { webSocketUrl: s.webSocketUrl } : {}) }),
});
