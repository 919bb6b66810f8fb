"""``veracity serve`` (HTTP API, OpenAI-compatible API, web page) and ``veracity keys``."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError
from veracity.server.config import DEFAULT_SYNC_INTERVAL
from veracity.store.location import is_postgres_uri, redact
from veracity.store.protocols import Store, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API, OpenAI-compatible API and web page")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--collection", "-c", action="append", default=None, metavar="[NAME=]DIR|URI",
        help="collection to serve: a directory or a postgresql:// URI (repeat for several; "
        "default: ./.veracity)",
    )  # fmt: skip
    p.add_argument(
        "--create", action="store_true",
        help="serve a new, empty collection where none exists yet (a missing directory, a "
        "database without one); without it such a location is refused as a likely typo",
    )  # fmt: skip
    p.add_argument(
        "--sync-ms", type=float, default=DEFAULT_SYNC_INTERVAL * 1000, metavar="MS",
        help="replica delay of PostgreSQL collections: how often to check for documents other "
        "servers or ingests committed (default: %(default).0f ms)",
    )  # fmt: skip
    p.add_argument("--model", default="smollm2", help="generator: smollm2, fake, openai:NAME, ...")
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server for --model NAME")
    p.add_argument("--threads", type=int, default=None, help="generator threads")
    p.add_argument(
        "--embedder", default=None, help="embedder for new collections (default minilm-onnx)"
    )
    p.add_argument("--max-upload-mb", type=float, default=20.0, help="file upload size limit")
    p.add_argument(
        "--max-json-mb", type=float, default=1.0, help="size limit of every other request body"
    )
    p.add_argument("--rate", type=float, default=10.0, help="requests/s per key (token bucket)")
    p.add_argument("--burst", type=int, default=40, help="token bucket size per key")
    p.add_argument(
        "--cors-origin", action="append", default=[], metavar="ORIGIN",
        help="allow browser calls from this origin (off by default; repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--trusted-proxy", action="append", default=[], metavar="ADDR",
        help="a reverse proxy (IP or network) whose X-Forwarded-For names the client for the "
        "anonymous rate limit (none by default: the header is ignored; repeatable)",
    )  # fmt: skip
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.set_defaults(run=cmd_serve)

    keys = sub.add_parser("keys", help="create, list and revoke API keys").add_subparsers(
        dest="keys_command", metavar="ACTION", required=True
    )
    k = keys.add_parser("create", help="create a key (the token is shown once)")
    _collections_arg(k)
    k.add_argument(
        "--labels", default="",
        help="comma-separated ACL labels the key may see; the first is its default upload label",
    )  # fmt: skip
    k.add_argument(
        "--can", default="", metavar="RIGHTS",
        help="comma-separated rights beyond read: upload, delete, admin (default: read-only)",
    )  # fmt: skip
    k.add_argument("--name", default="", help="a note to recognize the key by")
    k.add_argument("--json", action="store_true")
    k.set_defaults(run=cmd_keys_create)
    k = keys.add_parser("list", help="list keys with their labels and rights (never their tokens)")
    _collections_arg(k)
    k.add_argument("--json", action="store_true")
    k.set_defaults(run=cmd_keys_list)
    k = keys.add_parser("revoke", help="revoke a key by id")
    k.add_argument("key_id", nargs="?", metavar="ID")
    _collections_arg(k)
    k.set_defaults(run=cmd_keys_revoke)
    k = keys.add_parser("grant", help="add rights (upload, delete, admin) to an existing key")
    k.add_argument("key_id", nargs="?", metavar="ID")
    _collections_arg(k)
    k.add_argument("--can", required=True, metavar="RIGHTS", help="e.g. upload,delete")
    k.set_defaults(run=cmd_keys_grant)


def _collections_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--collections", action="extend", nargs="+", required=True, metavar="DIR|URI",
        help="collection directories or postgresql:// URIs: comma-separated (A,B), repeated, "
        "or several after one --collections",
    )  # fmt: skip


def cmd_serve(args: argparse.Namespace) -> int:
    from veracity.server.config import ServerConfig, parse_collection_specs
    from veracity.server.run import serve

    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be a TCP port from 1 to 65535, got {args.port}")
    gen_opts: dict[str, Any] = {}
    if args.base_url:
        gen_opts["base_url"] = args.base_url
    if args.threads is not None and not args.base_url:
        gen_opts["n_threads"] = args.threads
    config = ServerConfig(
        collections=parse_collection_specs(args.collection or [".veracity"]),
        generator=args.model,
        generator_options=gen_opts,
        embedder=args.embedder,
        host=args.host,
        max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
        max_json_bytes=int(args.max_json_mb * 1024 * 1024),
        rate=args.rate,
        burst=args.burst,
        cors_origins=tuple(args.cors_origin),
        trusted_proxies=tuple(args.trusted_proxy),
        create=args.create,
        sync_interval=args.sync_ms / 1000,
    )
    serve(config, args.port, args.log_level)
    return 0


_KEY_ID = re.compile(r"^[0-9a-f]{12}$")


def _collection_dirs(args: argparse.Namespace, *, takes_id: bool = False) -> list[str]:
    """The ``--collections`` directories (split at commas). For ``revoke``/``grant``, a key id
    swallowed by ``--collections A B ID`` (it takes several values) is taken back as the id
    when it has a key id's shape and is no directory."""
    # A URI is never split: libpq URIs may list several hosts with commas.
    dirs = [
        d.strip()
        for item in args.collections
        for d in ([item] if is_postgres_uri(item.strip()) else item.split(","))
        if d.strip()
    ]
    if takes_id and args.key_id is None:
        if len(dirs) > 1 and _KEY_ID.match(dirs[-1]) and not Path(dirs[-1]).exists():
            args.key_id = dirs.pop()
        else:
            raise ConfigError(
                "which key? give its id (see `veracity keys list --collections DIR`): "
                "`veracity keys revoke ID --collections DIR[,DIR...]`"
            )
    if not dirs:
        raise ConfigError("--collections needs at least one collection directory")
    return dirs


def _shown(location: str) -> str:
    """A collection for output: a URI without its password."""
    return redact(location) if is_postgres_uri(location) else location


def _stores(dirs: list[str], create: bool = False) -> list[Store]:
    return [open_store(d, create=create) for d in dirs]


def cmd_keys_create(args: argparse.Namespace) -> int:
    from veracity.store.keys import create_key

    labels = [x for x in args.labels.split(",") if x.strip()]
    dirs = _collection_dirs(args)
    new = create_key(_stores(dirs), labels, args.name, args.can)
    if args.json:
        print_json({"id": new.key.id, "token": new.token, "labels": list(new.key.labels),
                    "rights": list(new.key.rights),
                    "collections": [_shown(d) for d in dirs]})  # fmt: skip
    else:
        print(f"key {new.key.id} created for {', '.join(map(_shown, dirs))}; "
              f"labels: {', '.join(new.key.labels) or '(none: unlabelled documents only)'}; "
              f"rights: {', '.join(new.key.rights)}")  # fmt: skip
        print(f"token (shown once, store it now): {new.token}")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    dirs = _collection_dirs(args)
    for d, store in zip(dirs, _stores(dirs), strict=True):
        for key in store.api_keys().all_keys():
            rows.append({"collection": _shown(d), "id": key.id, "name": key.name,
                         "labels": list(key.labels), "rights": list(key.rights),
                         "created_at": key.created_at,
                         "revoked": key.revoked_at is not None})  # fmt: skip
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created_at"]))
        state = "revoked" if r["revoked"] else "active"
        print(f"{r['id']}  {state:7}  {when}  {r['collection']}  "
              f"labels={','.join(r['labels']) or '-'}  rights={','.join(r['rights'])}  "
              f"{r['name']}")  # fmt: skip
    if not rows:
        print("no keys")
    elif any(r["rights"] == ["read"] for r in rows):
        # Keys made before rights existed were migrated read-only (migration 004_key_rights).
        print("(read-only keys, including any made before key rights existed, may not upload or "
              "delete; add rights with `veracity keys grant ID --collections DIR --can "
              "upload,delete`)")  # fmt: skip
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    dirs = _collection_dirs(args, takes_id=True)
    for d, store in zip(dirs, _stores(dirs), strict=True):
        store.api_keys().revoke(args.key_id)
        print(f"key {args.key_id} revoked in {_shown(d)}")
    return 0


def cmd_keys_grant(args: argparse.Namespace) -> int:
    dirs = _collection_dirs(args, takes_id=True)
    for d, store in zip(dirs, _stores(dirs), strict=True):
        key = store.api_keys().grant(args.key_id, args.can)
        print(f"key {key.id} in {_shown(d)} now has rights: {', '.join(key.rights)}")
    return 0
