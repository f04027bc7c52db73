using Nabla.NN;

namespace Nabla.IO;

/// <summary>The model-file entries of Nabla's own layers and containers (see <see cref="ModelFile"/>), by PyTorch's class names.</summary>
internal static class ModelFileCatalog
{
    public static void RegisterAll()
    {
        Activations();
        Layers();
        Padding();
        Normalization();
        Recurrent();
        Attention();
        Containers();
    }

    private static void Activations()
    {
        Stateless<ReLU>("ReLU", () => new ReLU());
        Stateless<Sigmoid>("Sigmoid", () => new Sigmoid());
        Stateless<Tanh>("Tanh", () => new Tanh());
        Stateless<SiLU>("SiLU", () => new SiLU());
        ModelFile.Register<GELU>("GELU", m => new ModuleConfig().Set("approximate", m.Approximate), c => new GELU(c.String("approximate")));
        Stateless<Identity>("Identity", () => new Identity());
        ModelFile.Register<LeakyReLU>("LeakyReLU", m => new ModuleConfig().Set("negative_slope", m.NegativeSlope), c => new LeakyReLU(c.Double("negative_slope")));
        ModelFile.Register<ELU>("ELU", m => new ModuleConfig().Set("alpha", m.Alpha), c => new ELU(c.Double("alpha")));
        ModelFile.Register<Softplus>("Softplus", m => new ModuleConfig().Set("beta", m.Beta).Set("threshold", m.Threshold),
            c => new Softplus(c.Double("beta"), c.Double("threshold")));
        ModelFile.Register<Softmax>("Softmax", m => new ModuleConfig().Set("dim", m.Dim), c => new Softmax(c.Int("dim")));
        ModelFile.Register<LogSoftmax>("LogSoftmax", m => new ModuleConfig().Set("dim", m.Dim), c => new LogSoftmax(c.Int("dim")));
        ModelFile.Register<Dropout>("Dropout", m => new ModuleConfig().Set("p", m.P), c => new Dropout(c.Double("p")));
        ModelFile.Register<Dropout1d>("Dropout1d", m => new ModuleConfig().Set("p", m.P), c => new Dropout1d(c.Double("p")));
        ModelFile.Register<Dropout2d>("Dropout2d", m => new ModuleConfig().Set("p", m.P), c => new Dropout2d(c.Double("p")));
        ModelFile.Register<Dropout3d>("Dropout3d", m => new ModuleConfig().Set("p", m.P), c => new Dropout3d(c.Double("p")));
        ModelFile.Register<AlphaDropout>("AlphaDropout", m => new ModuleConfig().Set("p", m.P), c => new AlphaDropout(c.Double("p")));
        ModelFile.Register<FeatureAlphaDropout>("FeatureAlphaDropout", m => new ModuleConfig().Set("p", m.P), c => new FeatureAlphaDropout(c.Double("p")));
        ModelFile.Register<Unflatten>("Unflatten", m => new ModuleConfig().Set("dim", m.Dim).Set("unflattened_size", m.UnflattenedSize),
            c => new Unflatten(c.Int("dim"), c.Ints("unflattened_size")));
        ModelFile.Register<PixelShuffle>("PixelShuffle", m => new ModuleConfig().Set("upscale_factor", m.UpscaleFactor), c => new PixelShuffle(c.Int("upscale_factor")));
        ModelFile.Register<PixelUnshuffle>("PixelUnshuffle", m => new ModuleConfig().Set("downscale_factor", m.DownscaleFactor),
            c => new PixelUnshuffle(c.Int("downscale_factor")));
        ModelFile.Register<Upsample>("Upsample",
            m => new ModuleConfig().Set("size", m.Size).Set("scale_factor", m.ScaleFactor).Set("mode", m.Mode).Set("align_corners", m.AlignCorners)
                .Set("recompute_scale_factor", m.RecomputeScaleFactor),
            c => new Upsample(c.OptionalInts("size"), c.OptionalDoubles("scale_factor"), c.String("mode"), c.OptionalBool("align_corners"), c.OptionalBool("recompute_scale_factor")));
        ModelFile.Register<UpsamplingNearest2d>("UpsamplingNearest2d", m => new ModuleConfig().Set("size", m.Size).Set("scale_factor", m.ScaleFactor),
            c => new UpsamplingNearest2d(c.OptionalInts("size"), c.OptionalDoubles("scale_factor")));
        ModelFile.Register<UpsamplingBilinear2d>("UpsamplingBilinear2d", m => new ModuleConfig().Set("size", m.Size).Set("scale_factor", m.ScaleFactor),
            c => new UpsamplingBilinear2d(c.OptionalInts("size"), c.OptionalDoubles("scale_factor")));
        ModelFile.Register<Flatten>("Flatten", m => new ModuleConfig().Set("start_dim", m.StartDim).Set("end_dim", m.EndDim),
            c => new Flatten(c.Int("start_dim"), c.Int("end_dim")));
    }

    private static void Layers()
    {
        ModelFile.Register<Linear>("Linear",
            m => new ModuleConfig().Set("in_features", m.InFeatures).Set("out_features", m.OutFeatures).Set("bias", m.Bias is not null).Set("dtype", m.Weight.DType),
            c => new Linear(c.Int("in_features"), c.Int("out_features"), c.Bool("bias"), c.DType("dtype")));
        ModelFile.Register<Bilinear>("Bilinear",
            m => new ModuleConfig().Set("in1_features", m.In1Features).Set("in2_features", m.In2Features).Set("out_features", m.OutFeatures)
                .Set("bias", m.Bias is not null).Set("dtype", m.Weight.DType),
            c => new Bilinear(c.Int("in1_features"), c.Int("in2_features"), c.Int("out_features"), c.Bool("bias"), c.DType("dtype")));
        ModelFile.Register<Embedding>("Embedding",
            m => new ModuleConfig().Set("num_embeddings", m.NumEmbeddings).Set("embedding_dim", m.EmbeddingDim).Set("padding_idx", m.PaddingIdx).Set("dtype", m.Weight.DType),
            c => new Embedding(c.Int("num_embeddings"), c.Int("embedding_dim"), c.OptionalInt("padding_idx"), c.DType("dtype")));
        ModelFile.Register<Conv1d>("Conv1d",
            m => Convolution(m).Set("kernel_size", m.KernelSize).Set("stride", m.Stride).Set("dilation", m.Dilation).Set("padding_mode", m.PaddingMode)
                .SetPadding(m.PaddingString, [m.Padding]),
            c => new Conv1d(c.Int("in_channels"), c.Int("out_channels"), c.Int("kernel_size"), c.Int("stride"), Padding(c, 1), c.Int("dilation"),
                c.Int("groups"), c.Bool("bias"), c.String("padding_mode"), c.DType("dtype")));
        ModelFile.Register<Conv2d>("Conv2d",
            m => Convolution(m).Set("kernel_size", Pair(m.KernelSize)).Set("stride", Pair(m.Stride)).Set("dilation", Pair(m.Dilation)).Set("padding_mode", m.PaddingMode)
                .SetPadding(m.PaddingString, Pair(m.Padding)),
            c => new Conv2d(c.Int("in_channels"), c.Int("out_channels"), Pair(c, "kernel_size"), Pair(c, "stride"), Padding(c, 2), Pair(c, "dilation"),
                c.Int("groups"), c.Bool("bias"), c.String("padding_mode"), c.DType("dtype")));
        ModelFile.Register<ConvTranspose1d>("ConvTranspose1d",
            m => Convolution(m).Set("kernel_size", m.KernelSize).Set("stride", m.Stride).Set("padding", m.Padding).Set("output_padding", m.OutputPadding)
                .Set("dilation", m.Dilation),
            c => new ConvTranspose1d(c.Int("in_channels"), c.Int("out_channels"), c.Int("kernel_size"), c.Int("stride"), c.Int("padding"), c.Int("output_padding"),
                c.Int("groups"), c.Bool("bias"), c.Int("dilation"), dtype: c.DType("dtype")));
        ModelFile.Register<ConvTranspose2d>("ConvTranspose2d",
            m => Convolution(m).Set("kernel_size", Pair(m.KernelSize)).Set("stride", Pair(m.Stride)).Set("padding", Pair(m.Padding))
                .Set("output_padding", Pair(m.OutputPadding)).Set("dilation", Pair(m.Dilation)),
            c => new ConvTranspose2d(c.Int("in_channels"), c.Int("out_channels"), Pair(c, "kernel_size"), Pair(c, "stride"), Pair(c, "padding"),
                Pair(c, "output_padding"), c.Int("groups"), c.Bool("bias"), Pair(c, "dilation"), dtype: c.DType("dtype")));
        ModelFile.Register<MaxPool2d>("MaxPool2d",
            m => new ModuleConfig().Set("kernel_size", m.KernelSize).Set("stride", m.Stride).Set("padding", m.Padding).Set("dilation", m.Dilation).Set("ceil_mode", m.CeilMode),
            c => new MaxPool2d(c.Int("kernel_size"), c.Int("stride"), c.Int("padding"), c.Int("dilation"), c.Bool("ceil_mode")));
        ModelFile.Register<AvgPool2d>("AvgPool2d",
            m => new ModuleConfig().Set("kernel_size", m.KernelSize).Set("stride", m.Stride).Set("padding", m.Padding).Set("ceil_mode", m.CeilMode)
                .Set("count_include_pad", m.CountIncludePad),
            c => new AvgPool2d(c.Int("kernel_size"), c.Int("stride"), c.Int("padding"), c.Bool("ceil_mode"), c.Bool("count_include_pad")));
        ModelFile.Register<AdaptiveAvgPool2d>("AdaptiveAvgPool2d", m => new ModuleConfig().Set("output_size", Pair(m.OutputSize)),
            c =>
            {
                var (h, w) = Pair(c, "output_size");
                return new AdaptiveAvgPool2d(h, w);
            });
        ModelFile.Register<Standardize>("Standardize", m => new ModuleConfig().Set("features", m.Mean.Shape[^1]).Set("dtype", m.Mean.DType),
            c => new Standardize(c.Int("features"), c.DType("dtype")));
        ModelFile.Register<PositionalEncoding>("PositionalEncoding",
            m => new ModuleConfig().Set("d_model", m.DModel).Set("dropout", m.Dropout.P).Set("max_len", m.MaxLen).Set("batch_first", m.BatchFirst).Set("dtype", m.Pe.DType),
            c => new PositionalEncoding(c.Int("d_model"), c.Double("dropout"), c.Int("max_len"), c.Bool("batch_first"), c.DType("dtype")));
        ModelFile.Register<PositionalEmbedding>("PositionalEmbedding",
            m => new ModuleConfig().Set("max_len", m.MaxLen).Set("d_model", m.DModel).Set("batch_first", m.BatchFirst).Set("dtype", m.Embedding.Weight.DType),
            c => new PositionalEmbedding(c.Int("max_len"), c.Int("d_model"), c.Bool("batch_first"), c.DType("dtype")));
    }

    private static void Padding()
    {
        Pad("ZeroPad1d", p => new ZeroPad1d(p));
        Pad("ZeroPad2d", p => new ZeroPad2d(p));
        Pad("ZeroPad3d", p => new ZeroPad3d(p));
        ModelFile.Register<ConstantPad1d>("ConstantPad1d", m => new ModuleConfig().Set("padding", m.Padding).Set("value", m.Value),
            c => new ConstantPad1d(c.Ints("padding"), c.Double("value")));
        ModelFile.Register<ConstantPad2d>("ConstantPad2d", m => new ModuleConfig().Set("padding", m.Padding).Set("value", m.Value),
            c => new ConstantPad2d(c.Ints("padding"), c.Double("value")));
        ModelFile.Register<ConstantPad3d>("ConstantPad3d", m => new ModuleConfig().Set("padding", m.Padding).Set("value", m.Value),
            c => new ConstantPad3d(c.Ints("padding"), c.Double("value")));
        Pad("ReflectionPad1d", p => new ReflectionPad1d(p));
        Pad("ReflectionPad2d", p => new ReflectionPad2d(p));
        Pad("ReflectionPad3d", p => new ReflectionPad3d(p));
        Pad("ReplicationPad1d", p => new ReplicationPad1d(p));
        Pad("ReplicationPad2d", p => new ReplicationPad2d(p));
        Pad("ReplicationPad3d", p => new ReplicationPad3d(p));
        Pad("CircularPad1d", p => new CircularPad1d(p));
        Pad("CircularPad2d", p => new CircularPad2d(p));
        Pad("CircularPad3d", p => new CircularPad3d(p));
    }

    private static void Normalization()
    {
        ModelFile.Register<BatchNorm1d>("BatchNorm1d", m => BatchNorm(m),
            c => new BatchNorm1d(c.Int("num_features"), c.Double("eps"), c.OptionalDouble("momentum"), c.Bool("affine"), c.Bool("track_running_stats"), c.DType("dtype")));
        ModelFile.Register<BatchNorm2d>("BatchNorm2d", m => BatchNorm(m),
            c => new BatchNorm2d(c.Int("num_features"), c.Double("eps"), c.OptionalDouble("momentum"), c.Bool("affine"), c.Bool("track_running_stats"), c.DType("dtype")));
        ModelFile.Register<LayerNorm>("LayerNorm",
            m => new ModuleConfig().Set("normalized_shape", m.NormalizedShape).Set("eps", m.Eps).Set("elementwise_affine", m.Weight is not null)
                .Set("bias", m.Bias is not null || m.Weight is null).Set("dtype", ModelFile.DTypeOf(m)),
            c => new LayerNorm(c.Ints("normalized_shape"), c.Double("eps"), c.Bool("elementwise_affine"), c.DType("dtype"), c.Bool("bias")));
        ModelFile.Register<GroupNorm>("GroupNorm",
            m => new ModuleConfig().Set("num_groups", m.NumGroups).Set("num_channels", m.NumChannels).Set("eps", m.Eps).Set("affine", m.Weight is not null)
                .Set("dtype", ModelFile.DTypeOf(m)),
            c => new GroupNorm(c.Int("num_groups"), c.Int("num_channels"), c.Double("eps"), c.Bool("affine"), c.DType("dtype")));
        ModelFile.Register<InstanceNorm1d>("InstanceNorm1d", m => InstanceNorm(m),
            c => new InstanceNorm1d(c.Int("num_features"), c.Double("eps"), c.Double("momentum"), c.Bool("affine"), c.Bool("track_running_stats"), c.DType("dtype")));
        ModelFile.Register<InstanceNorm2d>("InstanceNorm2d", m => InstanceNorm(m),
            c => new InstanceNorm2d(c.Int("num_features"), c.Double("eps"), c.Double("momentum"), c.Bool("affine"), c.Bool("track_running_stats"), c.DType("dtype")));
        ModelFile.Register<InstanceNorm3d>("InstanceNorm3d", m => InstanceNorm(m),
            c => new InstanceNorm3d(c.Int("num_features"), c.Double("eps"), c.Double("momentum"), c.Bool("affine"), c.Bool("track_running_stats"), c.DType("dtype")));
    }

    private static void Recurrent()
    {
        ModelFile.Register<RNN>("RNN", m => Rnn(m).Set("nonlinearity", m.Nonlinearity),
            c => new RNN(c.Int("input_size"), c.Int("hidden_size"), c.Int("num_layers"), c.String("nonlinearity"), c.Bool("bias"), c.Bool("batch_first"),
                c.Double("dropout"), c.Bool("bidirectional"), c.DType("dtype")));
        ModelFile.Register<LSTM>("LSTM", m => Rnn(m),
            c => new LSTM(c.Int("input_size"), c.Int("hidden_size"), c.Int("num_layers"), c.Bool("bias"), c.Bool("batch_first"), c.Double("dropout"),
                c.Bool("bidirectional"), c.DType("dtype")));
        ModelFile.Register<GRU>("GRU", m => Rnn(m),
            c => new GRU(c.Int("input_size"), c.Int("hidden_size"), c.Int("num_layers"), c.Bool("bias"), c.Bool("batch_first"), c.Double("dropout"),
                c.Bool("bidirectional"), c.DType("dtype")));
        ModelFile.Register<RNNCell>("RNNCell", m => Cell(m).Set("nonlinearity", m.Nonlinearity),
            c => new RNNCell(c.Int("input_size"), c.Int("hidden_size"), c.Bool("bias"), c.String("nonlinearity"), c.DType("dtype")));
        ModelFile.Register<LSTMCell>("LSTMCell", m => Cell(m), c => new LSTMCell(c.Int("input_size"), c.Int("hidden_size"), c.Bool("bias"), c.DType("dtype")));
        ModelFile.Register<GRUCell>("GRUCell", m => Cell(m), c => new GRUCell(c.Int("input_size"), c.Int("hidden_size"), c.Bool("bias"), c.DType("dtype")));
    }

    private static void Attention()
    {
        ModelFile.Register<MultiheadAttention>("MultiheadAttention",
            m => new ModuleConfig().Set("embed_dim", m.EmbedDim).Set("num_heads", m.NumHeads).Set("dropout", m.Dropout).Set("bias", m.OutProj.Bias is not null)
                .Set("kdim", m.KDim).Set("vdim", m.VDim).Set("batch_first", m.BatchFirst).Set("dtype", ModelFile.DTypeOf(m)),
            c => new MultiheadAttention(c.Int("embed_dim"), c.Int("num_heads"), c.Double("dropout"), c.Bool("bias"), c.Int("kdim"), c.Int("vdim"),
                c.Bool("batch_first"), c.DType("dtype")));
        ModelFile.Register<TransformerEncoderLayer>("TransformerEncoderLayer",
            m => Block(m.DModel, m.NHead, m.DimFeedforward, m.DropoutP, m.ActivationName, m.LayerNormEps, m.BatchFirst, m.NormFirst, m.HasBias, ModelFile.DTypeOf(m)),
            c => new TransformerEncoderLayer(c.Int("d_model"), c.Int("nhead"), c.Int("dim_feedforward"), c.Double("dropout"), c.String("activation"),
                c.Double("layer_norm_eps"), c.Bool("batch_first"), c.Bool("norm_first"), c.Bool("bias"), c.DType("dtype")));
        ModelFile.Register<TransformerDecoderLayer>("TransformerDecoderLayer",
            m => Block(m.DModel, m.NHead, m.DimFeedforward, m.DropoutP, m.ActivationName, m.LayerNormEps, m.BatchFirst, m.NormFirst, m.HasBias, ModelFile.DTypeOf(m)),
            c => new TransformerDecoderLayer(c.Int("d_model"), c.Int("nhead"), c.Int("dim_feedforward"), c.Double("dropout"), c.String("activation"),
                c.Double("layer_norm_eps"), c.Bool("batch_first"), c.Bool("norm_first"), c.Bool("bias"), c.DType("dtype")));
        ModelFile.Register<TransformerEncoder>("TransformerEncoder",
            m => new ModuleConfig().Set("encoder_layer", m[0]).Set("num_layers", m.NumLayers).Set("norm", m.Norm),
            c => new TransformerEncoder(Layer<TransformerEncoderLayer>(c, "encoder_layer"), c.Int("num_layers"), Norm(c)));
        ModelFile.Register<TransformerDecoder>("TransformerDecoder",
            m => new ModuleConfig().Set("decoder_layer", m[0]).Set("num_layers", m.NumLayers).Set("norm", m.Norm),
            c => new TransformerDecoder(Layer<TransformerDecoderLayer>(c, "decoder_layer"), c.Int("num_layers"), Norm(c)));
        ModelFile.Register<Transformer>("Transformer",
            m => Block(m.DModel, m.NHead, m.Encoder[0].DimFeedforward, m.Encoder[0].DropoutP, m.Encoder[0].ActivationName, m.Encoder[0].LayerNormEps,
                    m.BatchFirst, m.Encoder[0].NormFirst, m.Encoder[0].HasBias, ModelFile.DTypeOf(m))
                .Set("num_encoder_layers", m.Encoder.NumLayers).Set("num_decoder_layers", m.Decoder.NumLayers),
            c => new Transformer(c.Int("d_model"), c.Int("nhead"), c.Int("num_encoder_layers"), c.Int("num_decoder_layers"), c.Int("dim_feedforward"),
                c.Double("dropout"), c.String("activation"), c.Double("layer_norm_eps"), c.Bool("batch_first"), c.Bool("norm_first"), c.Bool("bias"), c.DType("dtype")));
    }

    private static void Containers()
    {
        ModelFile.Register<Sequential>("Sequential", m => new ModuleConfig().Set("modules", m.NamedChildren()),
            c => new Sequential([.. c.Modules("modules")]));
        ModelFile.Register<ModuleList>("ModuleList", m => new ModuleConfig().Set("modules", m.NamedChildren()),
            c => new ModuleList([.. c.Modules("modules").Select(x => x.Module)]));
        ModelFile.Register<Residual>("Residual", m => new ModuleConfig().Set("block", m.Block).Set("projection", m.Projection),
            c => new Residual(c.Module("block"), c.OptionalModule("projection")));
        ModelFile.Register<NN.Checkpoint>("Checkpoint", m => new ModuleConfig().Set("module", m.Module).Set("preserve_rng_state", m.PreserveRngState),
            c => new NN.Checkpoint(c.Module("module"), c.Bool("preserve_rng_state")));
    }

    private static void Stateless<T>(string name, Func<T> create)
        where T : Module => ModelFile.Register<T>(name, _ => new ModuleConfig(), _ => create());

    private static void Pad<T>(string name, Func<int[], T> create)
        where T : PadNd => ModelFile.Register<T>(name, m => new ModuleConfig().Set("padding", m.Padding), c => create(c.Ints("padding")));

    private static ModuleConfig Convolution(Convolution m) =>
        new ModuleConfig().Set("in_channels", m.InChannels).Set("out_channels", m.OutChannels).Set("groups", m.Groups).Set("bias", m.Bias is not null).Set("dtype", m.Weight.DType);

    private static ModuleConfig BatchNorm(BatchNorm m) =>
        new ModuleConfig().Set("num_features", m.NumFeatures).Set("eps", m.Eps).Set("momentum", m.Momentum).Set("affine", m.Weight is not null)
            .Set("track_running_stats", m.RunningMean is not null).Set("dtype", ModelFile.DTypeOf(m));

    private static ModuleConfig InstanceNorm(InstanceNorm m) =>
        new ModuleConfig().Set("num_features", m.NumFeatures).Set("eps", m.Eps).Set("momentum", m.Momentum).Set("affine", m.Weight is not null)
            .Set("track_running_stats", m.RunningMean is not null).Set("dtype", ModelFile.DTypeOf(m));

    private static ModuleConfig Rnn(RNNBase m) =>
        new ModuleConfig().Set("input_size", m.InputSize).Set("hidden_size", m.HiddenSize).Set("num_layers", m.NumLayers).Set("bias", m.Bias)
            .Set("batch_first", m.BatchFirst).Set("dropout", m.Dropout).Set("bidirectional", m.Bidirectional).Set("dtype", ModelFile.DTypeOf(m));

    private static ModuleConfig Cell(RNNCellBase m) =>
        new ModuleConfig().Set("input_size", m.InputSize).Set("hidden_size", m.HiddenSize).Set("bias", m.Bias).Set("dtype", m.WeightIh.DType);

    private static ModuleConfig Block(int dModel, int nHead, int dimFeedforward, double dropout, string activation, double eps, bool batchFirst, bool normFirst,
        bool bias, DType dtype) =>
        new ModuleConfig().Set("d_model", dModel).Set("nhead", nHead).Set("dim_feedforward", dimFeedforward).Set("dropout", dropout).Set("activation", activation)
            .Set("layer_norm_eps", eps).Set("batch_first", batchFirst).Set("norm_first", normFirst).Set("bias", bias).Set("dtype", dtype);

    private static T Layer<T>(ModuleConfig c, string key)
        where T : Module =>
        c.Module(key) as T ?? throw new InvalidDataException($"{c.Path}: the setting '{key}' must describe a {typeof(T).Name}.");

    private static LayerNorm? Norm(ModuleConfig c) =>
        c.OptionalModule("norm") is { } norm ? norm as LayerNorm ?? throw new InvalidDataException($"{c.Path}: the setting 'norm' must describe a LayerNorm.") : null;

    private static int[] Pair((int H, int W) value) => [value.H, value.W];

    /// <summary>Records a convolution's padding: "same" or "valid" when it was given so, else one number per spatial dim.</summary>
    private static ModuleConfig SetPadding(this ModuleConfig c, string? mode, int[] values) => mode is null ? c.Set("padding", values) : c.Set("padding", mode);

    /// <summary>A convolution's padding: "same", "valid" or one number per spatial dim.</summary>
    private static ConvPadding Padding(ModuleConfig c, int dims)
    {
        if (c.Values["padding"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var mode)) return mode;
        var values = c.Ints("padding");
        return values.Length != dims ? throw new InvalidDataException($"{c.Path}: the setting 'padding' must hold {dims} numbers, \"same\" or \"valid\".")
            : dims == 1 ? values[0] : (values[0], values[1]);
    }

    private static (int H, int W) Pair(ModuleConfig c, string key) =>
        c.Ints(key) is [int h, int w] ? (h, w) : throw new InvalidDataException($"{c.Path}: the setting '{key}' must be a pair [height, width].");
}
