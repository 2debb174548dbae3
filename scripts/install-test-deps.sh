#!/bin/bash
# The Debian packages the tests need on this (bookworm) host: the real daemons and tools that check
# generated configs (render tier), sshd for the engine tier, and the e2e tier's clients. Daemons are
# installed, not started. Idempotent; silent when everything is present. Needs root.
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" --no-start \
  kamailio=/usr/sbin/kamailio \
  `# db_mysql and tls are split out; auth, auth_db, usrloc, pike, htable come with kamailio` \
  kamailio-mysql-modules=/usr/lib/x86_64-linux-gnu/kamailio/modules/db_mysql.so \
  kamailio-tls-modules=/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so \
  kamailio-websocket-modules=/usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so \
  prosody=/usr/bin/prosodyctl \
  lua-sec=/usr/share/lua/5.4/ssl.lua \
  lua-unbound=/usr/lib/x86_64-linux-gnu/lua/5.4/lunbound.so \
  lua-dbi-mysql=/usr/lib/x86_64-linux-gnu/lua/5.4/dbd/mysql.so \
  coturn=/usr/bin/turnserver \
  bind9-utils=/usr/bin/named-checkzone \
  bind9-dnsutils=/usr/bin/dig \
  iproute2=/usr/sbin/ip \
  util-linux=/usr/bin/unshare \
  openssl=/usr/bin/openssl \
  procps=/usr/bin/pkill \
  openssh-server=/usr/sbin/sshd \
  openssh-client=/usr/bin/ssh \
  sipsak=/usr/bin/sipsak \
  `# cloud-init checks the user data every machine boots with` \
  cloud-init=/usr/bin/cloud-init
