# The punch BuildKit frontend image: `#syntax=<this image>` in a Containerfile runs punch as the
# gateway frontend. Build it with `npm run image` (which runs `npm run build` first).
# NODE_IMAGE is any image with `node` (>= 20) on PATH; the default is public so it builds anywhere.
ARG NODE_IMAGE=docker.io/library/node:20-alpine
FROM ${NODE_IMAGE}
COPY dist/punch.cjs /punch/punch.cjs
# A V8 code cache of the whole program for this image's node (~1 MiB): BuildKit starts the frontend
# in a fresh container for every build, so only a cache baked in here spares it compiling punch
# (~15-20 ms a build). Exec form: the base needs no shell.
ENV PUNCH_COMPILE_CACHE=/punch/cache
RUN ["node", "/punch/punch.cjs", "write-compile-cache", "frontend"]
# `punch` on PATH, so a stage `FROM <this image>` can `RUN ["punch", "initrd", "/rootfs", "-o", "/initrd"]`
# (the bundle starts with `#!/usr/bin/env node`). Made by node: the base needs no shell or coreutils.
RUN ["node", "-e", "require('fs').mkdirSync('/usr/local/bin',{recursive:true});require('fs').symlinkSync('/punch/punch.cjs','/usr/local/bin/punch')"]
# The frontend needs no network: it only talks to BuildKit over stdio.
LABEL moby.buildkit.frontend.network.none="true"
# Frontend caps punch implements (comma-separated, e.g. moby.buildkit.frontend.inputs). BuildKit
# refuses a build that needs a cap not listed here. This list must match what src/frontend
# implements: subrequests (outline, targets, lint, describe: `buildx build --print/--call`), named
# contexts (`context:NAME` opts: `buildx build --build-context`, which asks for this cap) and inputs
# (BuildKit asks for it when the client sends frontend inputs: bake's `target:` contexts).
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.inputs"
# BuildKit runs the Entrypoint (Cmd is ignored).
ENTRYPOINT ["node", "/punch/punch.cjs", "frontend"]
