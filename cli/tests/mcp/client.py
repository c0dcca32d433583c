"""Drives `suno mcp` with the official Python MCP client (the `mcp`
package), as an agent's host would: lists the tools and checks their
schemas, creates a task, waits with progress, downloads, lists, reads
resources, and checks the bad-input and money rules. Run by
cli/tests/it/mcp.rs, which starts the mocks and reads what they saw.

Environment: SUNO (the binary), MOCK_URL, LOSSY_URL (a mock that cuts
every answer), KIE_API_KEY, KIE_CALLBACK_URL, WORK (a scratch folder),
TRANSPORT (stdio or http), and for http: MCP_URL, MCP_TOKEN (a server the
test started), LOSSY_MCP_URL.
Prints one JSON line of findings; exits 1 with the failed check's
message.
"""

import asyncio
import json
import os
import sys
from contextlib import asynccontextmanager

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "credits", "generate_music", "extend_music", "cover_music", "add_vocals",
    "add_instrumental", "generate_lyrics", "convert_to_wav", "separate_vocals",
    "generate_midi", "create_music_video", "generate_cover_art", "get_task",
    "wait_task", "download_task", "list_tasks", "resume_tasks",
}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


@asynccontextmanager
async def session(base_url, journal, downloads, api_key=None, http_url=None):
    """A session with a `suno mcp` started over stdio, or the one at
    http_url."""
    if http_url:
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client
        headers = {"Authorization": "Bearer " + os.environ["MCP_TOKEN"]}
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(http_url, http_client=http) as (read, write):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    yield s
        return
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ["WORK"],
        "KIE_BASE_URL": base_url,
        "KIE_API_KEY": api_key or os.environ["KIE_API_KEY"],
        "KIE_CALLBACK_URL": os.environ["KIE_CALLBACK_URL"],
    }
    params = StdioServerParameters(
        command=os.environ["SUNO"],
        args=["mcp", "--journal", journal, "--download", downloads],
        env=env,
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            await s.initialize()
            yield s


async def call(s, name, arguments=None, **kwargs):
    result = await s.call_tool(name, arguments or {}, **kwargs)
    return result, (result.structured_content or {})


def text_of(result):
    return " ".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def main_flow(findings):
    work = os.environ["WORK"]
    http = os.environ.get("TRANSPORT") == "http"
    journal = os.path.join(work, "journal.sqlite3")
    downloads = os.path.join(work, "files")
    async with session(os.environ["MOCK_URL"], journal, downloads,
                       http_url=os.environ.get("MCP_URL") if http else None) as s:
        tools = (await s.list_tools()).tools
        names = {t.name for t in tools}
        check(names == EXPECTED_TOOLS, f"tools: {sorted(names ^ EXPECTED_TOOLS)} differ")
        by_name = {t.name: t for t in tools}
        gen = by_name["generate_music"]
        check(gen.input_schema["type"] == "object", "generate_music's schema is an object")
        check(gen.input_schema["properties"]["description"]["maxLength"] == 500,
              "the description's 500 characters are in the schema")
        check(gen.input_schema.get("additionalProperties") is False, "unknown fields are refused")
        check("new" in gen.input_schema["properties"], "creates take `new`")
        check(gen.annotations.destructive_hint is True and gen.annotations.read_only_hint is False,
              "a create spends credits")
        check(by_name["get_task"].annotations.read_only_hint is True, "get_task only reads")
        check("credits" in gen.description.lower(), "a create says it costs credits")
        findings["tools"] = len(tools)

        result, data = await call(s, "credits")
        check(not result.is_error and isinstance(data.get("credits"), (int, float)),
              f"credits: {text_of(result)}")
        findings["credits_before"] = data["credits"]

        # Bad input: each a tool error, nothing sent.
        bad = [
            ("generate_music", {"instrumental": True}, "description"),
            ("generate_music", {"description": "x" * 501}, "500"),
            ("generate_music", {"description": 5}, "invalid type"),
            ("generate_music", {"description": "x", "instrumentl": True}, "instrumentl"),
            ("generate_music", {"description": "x", "new": "yes"}, "`new`"),
            ("convert_to_wav", {"task_id": "t"}, "audio_id"),
            ("get_task", {"task_id": "t", "kind": "album"}, "album"),
            ("download_task", {"task_id": "t", "subdir": "../../etc"}, "outside"),
            ("wait_task", {"task_id": "t", "kind": "wav", "until": "streamable"}, "music"),
            ("no_such_tool", {}, "no tool"),
        ]
        for name, arguments, says in bad:
            result, data = await call(s, name, arguments)
            check(result.is_error, f"{name} {arguments} was not refused")
            check(says in text_of(result), f"{name} {arguments}: {text_of(result)!r} lacks {says!r}")
            check(data.get("retry_can_help") is False, f"{name}: a retry cannot help")
        findings["bad_inputs_refused"] = len(bad)

        # Create, and the same call again: one task.
        result, data = await call(s, "generate_music", {"description": "calm piano", "model": "V5"})
        check(not result.is_error, f"generate_music: {text_of(result)}")
        task_id = data["task_id"]
        check(data["kind"] == "music" and data["next"] == "wait_task", f"create result: {data}")
        result, again = await call(s, "generate_music", {"model": "V5", "description": "calm piano"})
        check(not result.is_error and again["task_id"] == task_id and again["repeated"] is True,
              f"an identical call made another task: {again}")
        result, other = await call(s, "generate_music",
                                   {"description": "calm piano", "model": "V5", "new": True})
        check(not result.is_error and other["task_id"] != task_id, f"new: true: {other}")
        findings["task_ids"] = [task_id, other["task_id"]]

        # Wait with progress.
        progress = []

        async def on_progress(value, total, message):
            progress.append(message)

        result, data = await call(s, "wait_task", {"task_id": task_id, "timeout_secs": 120},
                                  progress_callback=on_progress)
        check(not result.is_error, f"wait_task: {text_of(result)}")
        check(data["status"] == "SUCCESS" and data["finished"] is True, f"wait_task: {data['status']}")
        tracks = data["record"].get("tracks") or []
        check(len(tracks) == 2 and all(t.get("title") for t in tracks), f"tracks: {tracks}")
        check(len(progress) >= 2 and all(task_id in m for m in progress),
              f"progress notifications: {progress}")
        findings["progress_notifications"] = progress

        result, data = await call(s, "download_task", {"task_id": task_id, "subdir": "first"})
        check(not result.is_error, f"download_task: {text_of(result)}")
        files = data["files"]
        check(len(files) >= 2, f"files: {files}")
        for f in files:
            check(f["path"].startswith(os.path.join(downloads, "first")), f"{f['path']} outside")
            check(f["bytes"] > 0 and os.path.getsize(f["path"]) == f["bytes"], f"size of {f}")
        check(any(f["duration_secs"] for f in files), "audio files say how long they play")
        result, data = await call(s, "download_task", {"task_id": task_id, "subdir": "first"})
        check(all(f["already_there"] for f in data["files"]), "a second download fetches nothing")
        findings["files"] = len(files)

        result, data = await call(s, "list_tasks", {"all": True})
        listed = {t.get("task_id") for t in data["tasks"]}
        check(task_id in listed and other["task_id"] in listed, f"list_tasks: {listed}")

        resources = (await s.list_resources()).resources
        uris = {str(r.uri) for r in resources}
        check(f"suno://task/{task_id}" in uris, f"resources: {uris}")
        audio = [r for r in resources if r.mime_type == "audio/mpeg"]
        check(audio, f"no audio resource: {[(str(r.uri), r.mime_type) for r in resources]}")
        contents = (await s.read_resource(audio[0].uri)).contents
        check(contents and contents[0].blob, "a saved file reads as a blob")
        entry = (await s.read_resource(f"suno://task/{task_id}")).contents[0]
        check(json.loads(entry.text)["task_id"] == task_id, "a task reads as its journal entry")
        findings["resources"] = len(resources)

        result, data = await call(s, "resume_tasks", {"timeout_secs": 120})
        check(not result.is_error, f"resume_tasks: {text_of(result)}")


async def lossy_flow(findings):
    """Against a mock that cuts every answer: the create's outcome is
    unknown, said so, and an identical call sends nothing."""
    work = os.environ["WORK"]
    http = os.environ.get("TRANSPORT") == "http"
    journal = os.path.join(work, "lossy.sqlite3")
    async with session(os.environ["LOSSY_URL"], journal, os.path.join(work, "lossy"),
                       http_url=os.environ.get("LOSSY_MCP_URL") if http else None) as s:
        result, data = await call(s, "generate_music", {"description": "lost answer"})
        check(result.is_error, "a lost answer is not a success")
        check(data.get("outcome") == "unknown" and data.get("task_may_exist") is True, f"{data}")
        check(data.get("retry_can_help") is False, "a lost create is never an invitation to retry")
        check("do not call" in text_of(result), text_of(result))
        reference = data.get("callback_reference") or ""
        check("." in reference and reference in text_of(result),
              f"the callback reference that will find the task: {data}")
        result, again = await call(s, "generate_music", {"description": "lost answer"})
        check(result.is_error and again.get("repeated") is True, f"the repeat was sent: {again}")
        result, data = await call(s, "list_tasks")
        check(any(t["state"] == "unknown" for t in data["tasks"]), f"list_tasks: {data}")
        findings["lost_create_reported"] = True


async def revoked_flow(findings):
    """With a key the API refuses: a tool error; the server goes on."""
    work = os.environ["WORK"]
    async with session(os.environ["MOCK_URL"], os.path.join(work, "revoked.sqlite3"),
                       os.path.join(work, "revoked"), api_key="revoked-key") as s:
        result, data = await call(s, "credits")
        check(result.is_error, "a refused key is an error")
        result, data = await call(s, "generate_music", {"description": "x"})
        check(result.is_error, f"created with a refused key: {data}")
        result, data = await call(s, "list_tasks", {"all": True})
        check(not result.is_error, "the server serves after a refusal")
        findings["revoked_key_refused"] = True


async def main():
    findings = {}
    await main_flow(findings)
    await lossy_flow(findings)
    if os.environ.get("TRANSPORT") != "http":
        await revoked_flow(findings)
    print(json.dumps(findings))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AssertionError as e:
        print(f"check failed: {e}", file=sys.stderr)
        sys.exit(1)
