import { naptrToSrv, srv } from "./records";
import { relativeName, renderZone, zoneSerial } from "./zone";

const settings = {
    domain: "falcot.com",
    records: [
        { type: "A" as const, name: "turn-server.falcot.com", address: "198.51.100.19" },
        srv("stun", "udp", "falcot.com", 3478, "turn-server.falcot.com"),
        naptrToSrv("sip.falcot.com", 10, 10, "SIPS+D2T", "_sips._tcp.sip.falcot.com"),
        { type: "A" as const, name: "turn-server.falcot.com", address: "198.51.100.19" },
    ],
    nameServers: [{ name: "ns1.falcot.com", ipv4: ["198.51.100.19"] }],
    hostmaster: "hostmaster.falcot.com",
    ttl: 3600,
};

describe("zone rendering", () => {
    it("renders the seed's form, corrected, and is stable", () => {
        expect(renderZone(settings)).toMatchSnapshot();
        expect(renderZone(settings)).toBe(renderZone(settings));
    });

    it("publishes a repeated record once", () => {
        expect(renderZone(settings).match(/turn-server +IN A/g)).toHaveLength(1);
    });

    it("keeps the serial while the records stay and moves it when they change", () => {
        const other = [...settings.records, { type: "A" as const, name: "x.falcot.com", address: "198.51.100.30" }];
        expect(zoneSerial(settings.records)).toBe(zoneSerial([...settings.records].reverse()));
        expect(zoneSerial(other)).not.toBe(zoneSerial(settings.records));
    });

    it("names records relative to the origin", () => {
        expect(relativeName("falcot.com", "falcot.com")).toBe("@");
        expect(relativeName("_sips._tcp.sip.falcot.com", "falcot.com")).toBe("_sips._tcp.sip");
        expect(relativeName("example.org", "falcot.com")).toBe("example.org.");
    });
});
