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
  kamailio-autheph-modules=/usr/lib/x86_64-linux-gnu/kamailio/modules/auth_ephemeral.so \
  prosody=/usr/bin/prosodyctl \
  lua-sec=/usr/share/lua/5.4/ssl.lua \
  lua-unbound=/usr/lib/x86_64-linux-gnu/lua/5.4/lunbound.so \
  lua-dbi-mysql=/usr/lib/x86_64-linux-gnu/lua/5.4/dbd/mysql.so \
  coturn=/usr/bin/turnserver \
  bind9-utils=/usr/bin/named-checkzone \
  bind9-dnsutils=/usr/bin/dig \
  `# the host firewall's ruleset and its apply/revert steps` \
  nftables=/usr/sbin/nft \
  iproute2=/usr/sbin/ip \
  util-linux=/usr/bin/unshare \
  openssl=/usr/bin/openssl \
  procps=/usr/bin/pkill \
  openssh-server=/usr/sbin/sshd \
  openssh-client=/usr/bin/ssh \
  sipsak=/usr/bin/sipsak \
  `# the e2e port scan of every public address` \
  nmap=/usr/bin/nmap \
  `# shellcheck for actionlint's check of the workflows' run: steps` \
  shellcheck=/usr/bin/shellcheck \
  `# cloud-init checks the user data every machine boots with` \
  cloud-init=/usr/bin/cloud-init \
  `# the click-to-call site: nginx with njs; headless Chromium with an NSS database for the stack's CA` \
  nginx-light=/usr/sbin/nginx \
  libnginx-mod-http-js=/usr/lib/nginx/modules/ngx_http_js_module.so \
  chromium=/usr/lib/chromium/chromium \
  libnss3-tools=/usr/bin/certutil \
  `# the GStreamer webrtcbin peer (examples/gstreamer-peer); gstreamer1.0-nice is not pulled in by plugins-bad` \
  gstreamer1.0-plugins-bad=/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstwebrtc.so \
  gstreamer1.0-plugins-good=/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstrtpmanager.so \
  gstreamer1.0-nice=/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstnice.so \
  python3-gst-1.0=/usr/lib/python3/dist-packages/gi/overrides/Gst.py \
  gir1.2-gst-plugins-bad-1.0=/usr/lib/x86_64-linux-gnu/girepository-1.0/GstWebRTC-1.0.typelib \
  gir1.2-gst-plugins-base-1.0=/usr/lib/x86_64-linux-gnu/girepository-1.0/GstSdp-1.0.typelib \
  python3-websockets=/usr/lib/python3/dist-packages/websockets/__init__.py
