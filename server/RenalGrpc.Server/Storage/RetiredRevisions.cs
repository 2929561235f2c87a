namespace RenalGrpc.Server.Storage;

/// <summary>
/// The last revision number each study this server no longer holds (expired, deleted, or gone while an
/// Analyze of it ran) was given, so that the same scans uploaded again number their labels on from there.
/// Ids are content hashes: without this, a client still holding "revision 1" of a study that expired
/// would, after anyone re-uploaded and re-analysed the same scans, have its edit applied to labels it
/// never saw (another grid, if that Analyze chose another reference phase). Bounded: past
/// <see cref="Capacity"/> ids all are forgotten at once and every later study starts above the highest
/// number forgotten, so no number is ever reused within one server process (a restart starts again at 1;
/// the study store does not survive one either). Not thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class RetiredRevisions
{
    /// <summary>Ids remembered at most (a 32-character id and a number: about 1.5 MB).</summary>
    public const int Capacity = 10_000;

    private readonly Dictionary<string, uint> _last = [];
    private uint _forgottenFloor;

    public int Count => _last.Count;

    /// <summary>The last number given to <paramref name="studyId"/>, or the floor when it is not remembered.</summary>
    public uint LastIssued(string studyId) => _last.TryGetValue(studyId, out var last) ? Math.Max(last, _forgottenFloor) : _forgottenFloor;

    /// <summary>Records that a study left the store having given out numbers up to <paramref name="lastIssued"/>.</summary>
    public void Retire(string studyId, uint lastIssued)
    {
        _last[studyId] = Math.Max(lastIssued, LastIssued(studyId));
        if (_last.Count <= Capacity) return;
        _forgottenFloor = Math.Max(_forgottenFloor, _last.Values.Max());
        _last.Clear();
    }

    /// <summary>The number a study coming back into the store continues from (and forgets it here: the live study carries it).</summary>
    public uint Revive(string studyId)
    {
        var last = LastIssued(studyId);
        _last.Remove(studyId);
        return last;
    }

    /// <summary>Gives the next number to a study that is not stored (its Analyze finished after it left).</summary>
    public uint IssueNext(string studyId)
    {
        var next = checked(LastIssued(studyId) + 1);
        Retire(studyId, next);
        return next;
    }
}
