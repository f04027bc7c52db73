namespace Nabla.Distributed;

/// <summary>
/// What a rank's collectives have cost: how many finished, the bytes of the buffers they carried, and the time the
/// calling thread spent inside MPI (starting, driving and waiting for them). With gradients all-reduced during
/// backward, that time is the communication the backward pass did not hide.
/// </summary>
/// <param name="Collectives">Collectives started.</param>
/// <param name="Bytes">The buffer sizes they carried, added up (a tensor's bytes per all-reduce, broadcast or gather).</param>
/// <param name="Time">Time spent in MPI calls on this rank.</param>
public readonly record struct CommunicationStats(long Collectives, long Bytes, TimeSpan Time);
