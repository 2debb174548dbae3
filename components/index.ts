// pulumi-rtc: Pulumi components for real-time communication services on Debian.

export { TurnServer, TurnServerArgs, TurnUser, TurnUserDb, TurnRestPorts, turnDefaults, baselineDeniedPeerRanges } from "./turn/turnServer";
export { SipProxy, SipProxyArgs, SipUser, SipGuests, sipDefaults } from "./sip/sipProxy";
export { ClickToCall, ClickToCallArgs, ClickToCallButton, clickToCallDefaults } from "./web/clickToCall";
export { XmppServer, XmppServerArgs, XmppUser, xmppDefaults } from "./xmpp/xmppServer";
export { RtcDnsZone, RtcDnsZoneArgs, DnsBackend } from "./dns/rtcDnsZone";
export { DnsRecord, addressRecords } from "./dns/records";
export { NameServer, renderZone } from "./dns/zone";
export { RtcCertificates, RtcCertificatesArgs, CertificateIssuer } from "./certs/rtcCertificates";
export { ServiceCertificate } from "./common/tls";
export { RtcConfigError } from "./common/validation";
export { RtcHost, RtcHostArgs, HostAddress, AddressText } from "./host/rtcHost";
export { HostFirewall, HostFirewallArgs } from "./firewall/hostFirewall";
export { PortRule, mergePorts } from "./common/ports";
export { turnPorts, turnUris } from "./turn/render";
export { sipPorts } from "./sip/render";
export { xmppPorts } from "./xmpp/render";
export { GuestSetup, GuestSetupInputs, renderUserData, userData, cloudInitWaitScript } from "./hosts/cloudInit";
export { plannedFiles, PlannedFile } from "./host/registry";
export { Layout, layouts, planLayout, addressesNeeded, LayoutPlan, ServiceKind, serviceKinds } from "./layout";
export { LocalHost, LocalHostArgs } from "./hosts/localHost";
