using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kefu.Training.Tuning;

/// <summary>
/// One trial of a study. Number 0 is the project's config as it is (no option set: Params empty, Point null), the
/// baseline every other trial is compared with. State: running, complete, pruned, failed or interrupted.
/// </summary>
public sealed record TrialRecord(int Number, IReadOnlyDictionary<string, JsonElement> Params, double[]? Point, string State,
    double? Score, IReadOnlyList<double> FoldScores, double Seconds, string? Error = null)
{
    public bool IsComplete => State == "complete";
}

/// <summary>
/// A study kept in SQLite, one row per trial written when it starts and again when it ends, so a killed `kefu tune`
/// resumes where it was: a trial found running was cut off and counts as interrupted (tried again as a new trial).
/// The search space's signature is stored; another space in the same file is an error, not a mixed study.
/// </summary>
public sealed class Study : IDisposable
{
    private readonly SqliteConnection _db;

    private Study(SqliteConnection db) => _db = db;

    public static Study Open(string path, string signature)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        Execute(db, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS study (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS trials (
                number INTEGER PRIMARY KEY, params TEXT NOT NULL, point TEXT, state TEXT NOT NULL,
                score REAL, fold_scores TEXT NOT NULL, seconds REAL NOT NULL, error TEXT);
            """);
        using (var get = db.CreateCommand())
        {
            get.CommandText = "SELECT value FROM study WHERE key = 'space'";
            if (get.ExecuteScalar() is string stored && stored != signature)
            {
                db.Dispose();
                throw new InvalidDataException($"{path} holds a study of another search space (metric, folds or options differ); " +
                    "give another --study file, or delete this one to start over");
            }
        }
        using (var put = db.CreateCommand())
        {
            put.CommandText = "INSERT OR IGNORE INTO study (key, value) VALUES ('space', $s)";
            put.Parameters.AddWithValue("$s", signature);
            put.ExecuteNonQuery();
        }
        Execute(db, "UPDATE trials SET state = 'interrupted', error = 'the process stopped during this trial' WHERE state = 'running'");
        return new Study(db);
    }

    public List<TrialRecord> Trials()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT number, params, point, state, score, fold_scores, seconds, error FROM trials ORDER BY number";
        using var r = cmd.ExecuteReader();
        var list = new List<TrialRecord>();
        while (r.Read())
            list.Add(new TrialRecord(r.GetInt32(0),
                JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(r.GetString(1))!,
                r.IsDBNull(2) ? null : JsonSerializer.Deserialize<double[]>(r.GetString(2)),
                r.GetString(3), r.IsDBNull(4) ? null : r.GetDouble(4),
                JsonSerializer.Deserialize<double[]>(r.GetString(5))!, r.GetDouble(6), r.IsDBNull(7) ? null : r.GetString(7)));
        return list;
    }

    /// <summary>Stores a trial (insert or replace by number).</summary>
    public void Save(TrialRecord t)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = """
            INSERT OR REPLACE INTO trials (number, params, point, state, score, fold_scores, seconds, error)
            VALUES ($n, $p, $x, $s, $v, $f, $t, $e)
            """;
        cmd.Parameters.AddWithValue("$n", t.Number);
        cmd.Parameters.AddWithValue("$p", JsonSerializer.Serialize(t.Params));
        cmd.Parameters.AddWithValue("$x", t.Point is null ? DBNull.Value : JsonSerializer.Serialize(t.Point));
        cmd.Parameters.AddWithValue("$s", t.State);
        cmd.Parameters.AddWithValue("$v", t.Score is { } v ? v : DBNull.Value);
        cmd.Parameters.AddWithValue("$f", JsonSerializer.Serialize(t.FoldScores));
        cmd.Parameters.AddWithValue("$t", t.Seconds);
        cmd.Parameters.AddWithValue("$e", (object?)t.Error ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();
}
