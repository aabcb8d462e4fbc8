#!/usr/bin/env bash
# System packages the tests use (Debian): Chromium for the browser tests, Noto CJK fonts so
# Chinese renders in screenshots, charts and PDFs, LibreOffice (no GUI) for the Word→PDF export,
# poppler for reading PDFs back, texlive-lang-chinese for its free Fandol faces (FandolFang renders the
# briefing's 仿宋_GB2312 body, FandolKai its 楷体 headings, in the PDF; see dashboard/exports/pdf.py), nginx (run unprivileged by tests/test_multiprocess.py in front of two
# app processes; its system service is not needed). Installs only what is missing; needs root (or sudo).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf ] || need+=(texlive-lang-chinese)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
