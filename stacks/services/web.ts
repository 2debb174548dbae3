import { ClickToCall, clickToCallDefaults } from "../../components/web/clickToCall";
import { port } from "../../components/common/ports";
import { SipProxy } from "../../components/sip/sipProxy";
import { TurnServer } from "../../components/turn/turnServer";
import { at, serviceEntry } from "./service";

// The click-to-call page (nginx): on the first address in standard, on its own address in port443 (IPv4 only
// there); 443 either way.

export const web = serviceEntry({
    enabled: (config) => config.clickToCall.enabled,
    certificateNames: (domain) => [`call.${domain}`],
    ports: () => [port("tcp", clickToCallDefaults.port, "HTTPS (click-to-call)"), port("tcp", 80, "HTTP, redirected to HTTPS")],
    make: ({ host, config, plan, certificate, made, secrets }) => new ClickToCall("click-to-call", {
        host,
        sip: made.sip as SipProxy,
        turn: made.turn as TurnServer,
        turnSecret: secrets.turnStaticAuthSecret!,
        guestSecret: secrets.sipGuestSecret!,
        ipv4: at(host, plan.web!.ipv4),
        // In port443 the host's one IPv6 address carries the other services' names too: a page on its 443 would
        // take browsers' connections to wss://sip-proxy…:443 (they try IPv6 first).
        ipv6: config.layout === "port443" ? [] : undefined,
        certificate,
        destinations: config.clickToCall.destinations.map((name) => ({ name })),
        credentialLifetime: config.clickToCall.credentialLifetime,
    }),
    endpoint: (w) => ({ url: w.url, phoneUrl: w.phoneUrl, hostname: w.hostname }),
});
