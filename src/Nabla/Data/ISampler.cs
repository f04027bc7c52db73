namespace Nabla.Data;

/// <summary>
/// The order in which a <see cref="DataLoader"/> visits dataset indices, like <c>torch.utils.data.Sampler</c>.
/// Each enumeration is one epoch; random samplers draw a new order every time they are enumerated.
/// </summary>
public interface ISampler : IEnumerable<int>
{
    /// <summary>The number of indices one enumeration yields.</summary>
    int Count { get; }
}
