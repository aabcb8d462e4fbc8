#!/usr/bin/env bash
# System packages the tests use (Debian): Chromium for the browser tests, Noto CJK fonts so
# Chinese renders in screenshots, charts and PDFs, LibreOffice (no GUI) for the Word→PDF export,
# poppler for reading PDFs back, nginx (run unprivileged by tests/test_multiprocess.py in front of two
# app processes; its system service is not needed). Installs only what is missing; needs root (or sudo).
# The free Fandol faces (GPL with font exception; FandolFang renders the briefing's 仿宋_GB2312 body,
# FandolKai its 楷体 headings in the PDF, see dashboard/exports/pdf.py) are taken out of Debian's
# texlive-lang-chinese package into /usr/local/share/fonts/fandol without installing TeX itself.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
fandol=/usr/local/share/fonts/fandol
if [ ! -f "$fandol/FandolFang-Regular.otf" ] && [ ! -f /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  tmp=$(mktemp -d)
  [ ${#need[@]} -gt 0 ] || $sudo_cmd apt-get update -qq
  (cd "$tmp" && chmod 777 . && apt-get download -qq texlive-lang-chinese && dpkg-deb -x texlive-lang-chinese_*.deb x)
  $sudo_cmd mkdir -p "$fandol"
  $sudo_cmd cp "$tmp"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol{Fang,Kai}-Regular.otf "$fandol/"
  rm -rf "$tmp"
fi
