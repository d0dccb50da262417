// DATABASE_URL is read in one place, store/index.ts: parseDatabaseUrl (which openStore and main.ts
// use). Whatever it says about a URL, in a result's label or an error's message, holds no password.
import { describe, expect, test } from "vitest";
import { DatabaseUrlError, databaseLabel, openStore, parseDatabaseUrl } from "../src/store/index.js";

function refusal(url: string): string {
  try {
    parseDatabaseUrl(url);
  } catch (err) {
    expect(err).toBeInstanceOf(DatabaseUrlError);
    return (err as Error).message;
  }
  throw new Error(`${url} was accepted`);
}

describe("parseDatabaseUrl", () => {
  test("sqlite:PATH, resolved against cwd when given, and sqlite::memory:", () => {
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({
      engine: "sqlite",
      path: ":memory:",
      label: "sqlite::memory:",
    });
    expect(parseDatabaseUrl("sqlite:data/x.db")).toEqual({
      engine: "sqlite",
      path: "data/x.db",
      label: "sqlite:data/x.db",
    });
    expect(parseDatabaseUrl("sqlite:data/x.db", { cwd: "/srv/app" })).toEqual({
      engine: "sqlite",
      path: "/srv/app/data/x.db",
      label: "sqlite:/srv/app/data/x.db",
    });
    expect(parseDatabaseUrl("sqlite:/var/lib/x.db", { cwd: "/srv/app" })).toMatchObject({ path: "/var/lib/x.db" });
  });

  test("postgres:// and postgresql://, labelled without password or query", () => {
    const url = "postgres://trainjobs:s3cret@db.example:5432/trainjobs?sslmode=require&password=s3cret";
    const parsed = parseDatabaseUrl(url);
    expect(parsed).toEqual({
      engine: "postgres",
      url,
      label: "postgres://trainjobs:***@db.example:5432/trainjobs",
    });
    expect(parseDatabaseUrl("postgresql://db/trainjobs")).toMatchObject({
      engine: "postgres",
      label: "postgresql://db/trainjobs",
    });
    expect(parseDatabaseUrl("postgres://u@db/x").label).toBe("postgres://u@db/x");
    // Not a URL that WHATWG parses: only the scheme is shown.
    expect(parseDatabaseUrl("postgres://u:s3cret@[bad/x").label).toBe("postgres://***");
  });

  test("refuses what names no store, repeating no password", () => {
    expect(refusal("sqlite:")).toMatch(/sqlite:PATH/);
    expect(refusal("sqlite::memry:")).toMatch(/sqlite:PATH/);
    expect(refusal("sqlite://s3cret/x.db")).toMatch(/sqlite:PATH/);
    expect(refusal("sqlite://s3cret/x.db")).not.toMatch(/s3cret/);
    expect(refusal("mysql://root:s3cret@localhost/db")).toMatch(/scheme mysql: is not supported/);
    expect(refusal("mysql://root:s3cret@localhost/db")).not.toMatch(/s3cret/);
    expect(refusal("./data.db")).toMatch(/must start with a scheme/);
    expect(refusal("s3cret")).not.toMatch(/s3cret/);
  });

  test("databaseLabel never shows a password, even of a URL that is refused", () => {
    expect(databaseLabel("postgres://u:s3cret@db/x")).toBe("postgres://u:***@db/x");
    expect(databaseLabel("mysql://root:s3cret@localhost/db")).toBe("mysql://***");
    expect(databaseLabel("sqlite://s3cret/x.db")).toBe("sqlite://***");
    expect(databaseLabel("s3cret")).toBe("***");
  });
});

describe("openStore", () => {
  test("refuses a URL naming no store with a DatabaseUrlError that leaks no password", async () => {
    await expect(openStore("mysql://user:secret@db/x")).rejects.toThrow(DatabaseUrlError);
    await expect(openStore("mysql://user:secret@db/x")).rejects.not.toThrow(/secret/);
    await expect(openStore("sqlite://data/x.db")).rejects.toThrow(/sqlite:PATH/);
  });

  test("a postgres server that cannot be reached is the engine's error, without the password", async () => {
    const error = await openStore("postgres://user:s3cret@127.0.0.1:1/trainjobs").then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DatabaseUrlError);
    expect(error!.message).not.toMatch(/s3cret/);
  });
});
