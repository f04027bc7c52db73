using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>Work to run with a register tile chosen at run time; the JIT specializes it for every tile shape.</summary>
internal interface ITileAction
{
    /// <summary>Runs the work with the tile <typeparamref name="TShape"/>.</summary>
    void Run<TShape>()
        where TShape : ITileShape;
}

/// <summary>Turns the extent of a block of C into the micro-kernel instantiation that covers it most tightly.</summary>
internal static class TileShapes
{
    /// <summary>
    /// Runs <paramref name="action"/> with the narrowest tile that covers <paramref name="rows"/> rows (the full
    /// height above four, else four, two or one) and two vectors of columns when <paramref name="wide"/>, else one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Select<TAction>(int rows, bool wide, in TAction action)
        where TAction : struct, ITileAction
    {
        if (rows > 4)
            Select<FullHeight, TAction>(wide, action);
        else if (rows > 2)
            Select<FourRows, TAction>(wide, action);
        else if (rows == 2)
            Select<TwoRows, TAction>(wide, action);
        else
            Select<OneRow, TAction>(wide, action);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Select<TRows, TAction>(bool wide, in TAction action)
        where TRows : ITileRows
        where TAction : struct, ITileAction
    {
        if (wide)
            action.Run<TwoVectors<TRows>>();
        else
            action.Run<OneVector<TRows>>();
    }
}
