namespace RenalGrpc.Imaging.Components;

/// <summary>
/// Union-find over run numbers. The root of a set is always its smallest run number, i.e. the run
/// met first in raster order, which makes numbering the components in scan order a single pass.
/// </summary>
internal sealed class RunForest(int count)
{
    private readonly int[] _parent = CreateIdentity(count);

    public int Find(int x)
    {
        var parent = _parent;
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]]; // path halving
            x = parent[x];
        }
        return x;
    }

    public void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra == rb) return;
        if (ra < rb) _parent[rb] = ra;
        else _parent[ra] = rb;
    }

    /// <summary>Component label (1-based, in order of first run) of every run, and the component count.</summary>
    public (int[] RunLabels, int Count) NumberComponents()
    {
        var labels = new int[_parent.Length];
        int count = 0;
        for (int r = 0; r < _parent.Length; r++)
        {
            int root = Find(r);
            labels[r] = root == r ? ++count : labels[root];
        }
        return (labels, count);
    }

    private static int[] CreateIdentity(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }
}
