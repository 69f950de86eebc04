"""End-to-end check of todo-chatbot's MCP server with the official Python MCP SDK.

Run by tests/mcp_python.rs, once per transport:

    e2e.py stdio --bin PATH --user alice --cwd DIR --env KEY=VALUE ...
    e2e.py http --url http://127.0.0.1:PORT/mcp --token JWT

Each run initializes a session, lists the tools, adds a task, completes it, checks an
error result and lists the completed tasks, then prints one JSON line on stdout:
{"transport": ..., "task_id": ..., "title": ..., "protocol_version": ..., "sdk": ...}.
Works with the SDK's 2.x line and with 1.x (checked with 1.30.0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import sys
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {"add_task", "list_tasks", "complete_task", "update_task", "delete_task"}
TIMEOUT_SECS = 60


def as_json(model: Any) -> dict[str, Any]:
    """A result as it is on the wire (camelCase keys), whatever the SDK's attribute names."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def tool_result(result: Any) -> tuple[bool, dict[str, Any]]:
    """(is_error, structured content), checking the text block says the same."""
    wire = as_json(result)
    structured = wire.get("structuredContent")
    check(isinstance(structured, dict), f"structured content expected: {wire}")
    texts = [c["text"] for c in wire.get("content", []) if c.get("type") == "text"]
    check(len(texts) == 1, f"one text block expected: {wire}")
    check(json.loads(texts[0]) == structured, f"the text renders the structured content: {wire}")
    return bool(wire.get("isError")), structured


async def exercise(session: ClientSession, transport: str) -> dict[str, Any]:
    init = as_json(await session.initialize())
    check(init["serverInfo"]["name"] == "todo-chatbot", f"server name: {init}")
    check("tools" in init["capabilities"], f"tools capability: {init}")

    tools = as_json(await session.list_tools())["tools"]
    names = {t["name"] for t in tools}
    check(names == EXPECTED_TOOLS, f"the five tools: {sorted(names)}")
    for tool in tools:
        check(bool(tool.get("description")), f"a description: {tool}")
        check(tool["inputSchema"].get("type") == "object", f"an object schema: {tool}")
    add = next(t for t in tools if t["name"] == "add_task")
    check(add["inputSchema"].get("required") == ["title"], f"add_task requires a title: {add}")

    title = f"buy milk (python {transport})"
    is_error, added = tool_result(await session.call_tool("add_task", {"title": title}))
    check(not is_error, f"add_task succeeds: {added}")
    check(added["status"] == "created" and added["title"] == title, f"add_task result: {added}")
    task_id = added["task_id"]

    is_error, completed = tool_result(await session.call_tool("complete_task", {"task_id": task_id}))
    check(not is_error, f"complete_task succeeds: {completed}")
    check(
        completed == {"task_id": task_id, "status": "completed", "title": title},
        f"complete_task result: {completed}",
    )

    is_error, failed = tool_result(await session.call_tool("complete_task", {"task_id": 987654321}))
    check(is_error, f"an unknown task is a tool error: {failed}")
    check(failed == {"error": "task 987654321 not found"}, f"the contract's error: {failed}")

    is_error, listed = tool_result(await session.call_tool("list_tasks", {"status": "completed"}))
    check(not is_error, f"list_tasks succeeds: {listed}")
    mine = [t for t in listed["tasks"] if t["id"] == task_id]
    check(len(mine) == 1 and mine[0]["completed"] is True, f"the task is completed: {listed}")

    return {
        "transport": transport,
        "task_id": task_id,
        "title": title,
        "protocol_version": init["protocolVersion"],
        "sdk": importlib.metadata.version("mcp"),
    }


async def run_stdio(args: argparse.Namespace) -> dict[str, Any]:
    env = dict(pair.split("=", 1) for pair in args.env)
    params = StdioServerParameters(
        command=args.bin, args=["mcp", "--user", args.user], env=env, cwd=args.cwd
    )
    async with stdio_client(params, errlog=sys.stderr) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            return await exercise(session, "stdio")


@contextlib.asynccontextmanager
async def http_streams(url: str, headers: dict[str, str]):
    """The streamable HTTP transport: `streamable_http_client` with an HTTP client carrying
    the headers (SDK >= 1.24 and 2.x), else the older `streamablehttp_client(headers=...)`."""
    try:
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client
    except ImportError:
        from mcp.client.streamable_http import streamablehttp_client

        async with streamablehttp_client(url, headers=headers) as streams:
            yield streams
        return
    async with create_mcp_http_client(headers=headers) as client:
        async with streamable_http_client(url, http_client=client) as streams:
            yield streams


async def run_http(args: argparse.Namespace) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {args.token}"}
    async with http_streams(args.url, headers) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            return await exercise(session, "http")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="transport", required=True)
    stdio = sub.add_parser("stdio")
    stdio.add_argument("--bin", required=True)
    stdio.add_argument("--user", required=True)
    stdio.add_argument("--cwd", required=True)
    stdio.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    http = sub.add_parser("http")
    http.add_argument("--url", required=True)
    http.add_argument("--token", required=True)
    args = parser.parse_args()

    run = run_stdio if args.transport == "stdio" else run_http
    outcome = asyncio.run(asyncio.wait_for(run(args), TIMEOUT_SECS))
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
