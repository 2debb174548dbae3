import { ServiceKind } from "../../components/layout";
import { ServiceEntry } from "./service";
import { sip } from "./sip";
import { turn } from "./turn";
import { xmpp } from "./xmpp";

// The services the stack stands up, by kind, in the order their certificates and records are made.

export const services: Readonly<Record<ServiceKind, ServiceEntry>> = { turn, sip, xmpp };
