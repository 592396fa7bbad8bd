/*
 *  glif3_alpha.h
 *
 *  Part of pynn_glif3 (MIT licence).  A NEST 3.10 extension-module model.
 */

#ifndef PYNN_GLIF3_GLIF3_ALPHA_H
#define PYNN_GLIF3_GLIF3_ALPHA_H

// C++ includes:
#include <array>
#include <cstddef>
#include <string>
#include <vector>

// Includes from nestkernel:
#include "archiving_node.h"
#include "connection.h"
#include "event.h"
#include "nest_types.h"
#include "ring_buffer.h"
#include "universal_data_logger.h"

/*
 * glif3_alpha: the GLIF3 neuron with four alpha-shaped current synapses, stepped exactly as the
 * recurrent cell of the Billeh V1 training model (Chen, Scherr & Maass 2022), in double precision.
 *
 * This is not an exact integration of a continuous-time model: it is a fixed-step (forward,
 * exponential-Euler) difference equation, the one the training code runs with step h.  A network
 * trained there behaves identically here, spike for spike.  The model is described in the
 * package's docs/model.md; pynn_glif3.reference is its float64 oracle.
 *
 * Parameters (all per neuron; names as in the status dictionary)
 * ---------------------------------------------------------------
 *   E_L          mV    resting potential
 *   V_th         mV    threshold (must be above E_L)
 *   V_reset      mV    reset potential; V_reset - V_th is added once on the step after a spike
 *   C_m          pF    membrane capacitance (> 0)
 *   g            nS    leak conductance (> 0)
 *   t_ref        ms    refractory time (>= 0); it blocks spiking only
 *   I_e          pA    constant injected current
 *   asc_amp_1/2  pA    after-spike current jumps a_1, a_2
 *   k_1/k_2      1/ms  after-spike current decay rates (>= 0)
 *   tau_syn_1..4 ms    alpha time constants of receptors 1..4 (> 0)
 *   start_step   -     integer >= 0: the first simulation step the neuron updates in (see
 *                      "Time steps" below; default 2)
 *   trial_steps  -     integer, 0 (default) or > start_step: run independent trials of this many
 *                      steps one after the other (see "Trials" below)
 *   origin_step  -     integer >= 0 (default 0): the simulation step the run starts from; steps
 *                      count from it (see "Restarting" below)
 *   rise_input   pA    list of 4 M numbers (default empty): extra input to the PSC rises, row by
 *                      row: entry 4 m + r - 1 is added to u_r of training row m, i.e. in step
 *                      start_step + m, after the spikes of that step; rows from M on add nothing
 *                      (see "Rise input" below)
 *
 * State (status dictionary; all but t_ref_remaining can be set, as initial values)
 * ------------------------------------------------------------------------------
 *   V_m          mV    membrane potential V
 *   I_asc_1/2    pA    after-spike currents A_1, A_2
 *   I_syn_1..4   pA    postsynaptic currents Y_r
 *   t_ref_remaining ms refractory time left R (read only)
 *   Hidden: the PSC rise X_r (pA) and the spike flag z of the previous step.
 *   Initial state: V_m = V_reset of the prototype, everything else 0.
 *
 * Recordables: V_m, I_asc_1, I_asc_2, I_syn_1, I_syn_2, I_syn_3, I_syn_4.
 *
 * Receptors: spikes must target receptor_type 1..4 (the status entry "receptor_types" is the
 * dictionary {"syn1": 1, "syn2": 2, "syn3": 3, "syn4": 4}).  Port 0 is refused, so a connection
 * without a receptor cannot silently land somewhere.  Weights are signed currents in pA: a weight
 * w makes an alpha PSC that peaks at w at t = tau_syn.  Currents (CurrentEvent) use port 0.
 *
 * Derived constants, with h the resolution (ms)
 * ---------------------------------------------
 *   D   = exp(-h * g / C_m)     F   = (1 - D) / g
 *   S_r = exp(-h / tau_syn_r)   P_r = e / tau_syn_r      E_j = exp(-h * k_j)
 *
 * One update, step n-1 -> n (every right-hand side uses the values of step n-1)
 * ---------------------------------------------------------------------------------
 *   X_r  <- S_r X_r + P_r u_r                (u_r: summed weights arriving this step, pA)
 *   Y_r  <- S_r Y_r + (h S_r) X_r            (the OLD rise)
 *   R    <- max(0, (R + z t_ref) - h)
 *   A_j  <- E_j A_j + z a_j
 *   V    <- (D V + F I_tot) + z (V_reset - V_th),
 *           I_tot = (((((((Y_1 + Y_2) + Y_3) + Y_4) + A_1) + A_2) + I_e) + I_stim) + g E_L
 *   z    <- (V > V_th) and (R == 0)
 * Every expression is evaluated in exactly this order, without fused multiply-adds, as the
 * float64 reference (pynn_glif3.reference) does: given the same u, the new state is bit for bit
 * the reference's (u itself may differ in the last bit where several spikes arrive in one step,
 * since a sum's rounding depends on its order).  I_stim is the current delivered
 * by CurrentEvents in the previous step (0 when nothing is injected, which leaves every sum
 * unchanged).  Consequences: the voltage keeps integrating during refractoriness, the reset is
 * subtractive, spikes arriving during refractoriness are counted, the after-spike jump and the
 * reset act on the step after the spike, and R is accumulated in floating point exactly as
 * written (with h = 1 ms a neuron that spiked at step n can spike again at step n + 3 when
 * t_ref = 3.0 ms, at step n + 4 when t_ref = 3.4 ms).
 *
 * Rise input (the "decoded noise" background)
 * --------------------------------------------
 * The published training drove the network with "decoded noise": every step, every neuron and
 * receptor gets its own value in the PSC rise input, u_r <- u_r + noise (pA).  No fixed synaptic
 * weight can carry a value that changes every step, and a device per neuron and receptor would
 * cost 4 events per neuron and step, so the values are a table in the neuron: rise_input holds
 * them for rows 0 .. M - 1 (M = size / 4), and the update of row m computes
 *   u_r = (the step's spike input) + rise_input[4 m + r - 1]
 * in that order, as pynn_glif3.reference adds its noise term after the synaptic input.  The table
 * is part of the parameters: set it before the run (pynn_glif3.nest.noise does, from the values
 * the reference uses), for one trial from the initial state.
 *
 * Input summation
 * ---------------
 * The weights arriving in one step are summed with a compensated (two-sum) accumulator, whose
 * result is the correctly rounded sum of the weights in all but pathological cases.  It does not
 * depend on the order in which NEST delivers the spikes, so runs with any number of threads give
 * bit-identical voltages.
 *
 * Time steps (how NEST's ring buffers map onto training steps)
 * -------------------------------------------------------------
 * NEST step s is the update over (s h, (s+1) h].  A spike emitted in step m is stamped
 * (m + 1) h; with a delay of d steps it is read in step m + d.  A spike_generator spike at time
 * T = t h, delivered with delay d steps, is read in step t + d - 1.  Hence a recurrent synapse
 * of d steps delivers exactly as the training model (z at step m adds to u at step m + d).
 *
 * External input enters the training model with zero delay, which no simulator has.  The neuron
 * therefore holds its initial state during steps 0 .. start_step - 1 (arriving spikes are
 * discarded there; the injected current of the last of these steps is kept, so that a current
 * source running from t = 0 acts exactly like I_e) and computes training step i (the update that consumes input row i, 0-based)
 * in NEST step start_step + i.  Its state and spikes after that step carry the time
 * (start_step + i + 1) h; the input of row i must be read in NEST step start_step + i, i.e. be a
 * spike at (start_step + i + 1) h - delay.  With start_step = 2 this works through PyNN, whose
 * SpikeSourceArray routes spikes through parrot neurons (one more min_delay).  The package's
 * docs/timing.md is the one place where this correspondence is documented for users, and
 * pynn_glif3.timing computes the times.
 *
 * Trials
 * ------
 * With trial_steps = P > 0, step s belongs to trial s / P and is step s % P of that trial; every
 * trial holds for its first start_step steps, restores the state the neuron had at step 0 when
 * it begins, and then computes its rows as the first trial does.  Many stimulus samples then run
 * in one simulation instead of one network build each.  The trials are independent when no
 * spike of one trial is read in the next: a spike emitted in the last step of a trial with a
 * delay of d steps is read in step d - 1 of the next, inside the hold if d <= start_step, so
 * start_step must be at least the longest delay (pynn_glif3.network checks this).  Rise-input
 * rows of trial k start at row k (P - start_step) of the table.
 *
 * Restarting
 * ----------
 * Setting origin_step to the current step starts the neuron again as at step 0 of a new
 * simulation (PyNN's reset(); pynn_glif3's binding sets it): the hidden state (PSC rises,
 * refractory clock, spike flag) is cleared, the input already in the buffers is dropped, and so is
 * every spike or current sent before that step and delivered later; V_m, I_asc and I_syn keep
 * what was set (PyNN sets the initial values).  Step s of the new run is simulation step
 * origin_step + s, so the hold, the trials and the rise-input rows start over.
 */

namespace pynn_glif3
{

/**
 * Register the model with the NEST kernel under the given name.
 */
void register_glif3_alpha( const std::string& name );

class glif3_alpha : public nest::ArchivingNode
{
public:
  static constexpr std::size_t N_RECEPTORS = 4;
  static constexpr std::size_t N_ASC = 2;

  glif3_alpha();
  glif3_alpha( const glif3_alpha& );

  using nest::Node::handle;
  using nest::Node::handles_test_event;

  size_t send_test_event( nest::Node&, size_t, nest::synindex, bool ) override;

  void handle( nest::SpikeEvent& ) override;
  void handle( nest::CurrentEvent& ) override;
  void handle( nest::DataLoggingRequest& ) override;

  size_t handles_test_event( nest::SpikeEvent&, size_t ) override;
  size_t handles_test_event( nest::CurrentEvent&, size_t ) override;
  size_t handles_test_event( nest::DataLoggingRequest&, size_t ) override;

  void get_status( Dictionary& ) const override;
  void set_status( const Dictionary& ) override;

private:
  void init_buffers_() override;
  void pre_run_hook() override;
  void update( nest::Time const&, const long, const long ) override;

  friend class nest::RecordablesMap< glif3_alpha >;
  friend class nest::UniversalDataLogger< glif3_alpha >;

  /** Independent parameters, in the units of the table above. */
  struct Parameters_
  {
    double E_L;                               //!< mV
    double V_th;                              //!< mV
    double V_reset;                           //!< mV
    double C_m;                               //!< pF
    double g;                                 //!< nS
    double t_ref;                             //!< ms
    double I_e;                               //!< pA
    std::array< double, N_ASC > asc_amp;      //!< pA
    std::array< double, N_ASC > k;            //!< 1/ms
    std::array< double, N_RECEPTORS > tau_syn;  //!< ms
    long start_step;                          //!< first updating simulation step of a trial
    long trial_steps;                         //!< steps per trial; 0: one trial
    long origin_step;                         //!< simulation step the run (re)starts from
    std::vector< double > rise_input;         //!< pA, N_RECEPTORS per training row

    Parameters_();

    void get( Dictionary& ) const;
    //! Update from the dictionary and validate; throws nest::BadProperty on a bad value.
    void set( const Dictionary&, nest::Node* );
  };

  /** Dynamic state. */
  struct State_
  {
    double V_m;                             //!< mV
    std::array< double, N_ASC > I_asc;      //!< pA
    std::array< double, N_RECEPTORS > X;    //!< PSC rise, pA
    std::array< double, N_RECEPTORS > Y;    //!< PSC, pA
    double R;                               //!< refractory time left, ms
    bool z;                                 //!< spiked in the previous step
    double I_stim;                          //!< injected current of the previous step, pA

    explicit State_( const Parameters_& );

    void get( Dictionary& ) const;
    void set( const Dictionary&, nest::Node* );
  };

  /**
   * Per-receptor input of the coming steps, accumulated with a compensated sum.
   *
   * Slots are indexed like NEST's RingBuffer (event_delivery_manager.get_modulo), so that
   * a spike is read in the step its delivery time names.  Rings of up to N_INLINE slots
   * (min_delay + max_delay steps; PyNN's default limit of 10 ms at 1 ms steps fits) live inside
   * the neuron, longer ones on the heap.  A delivered spike then reads the neuron's first line
   * and one slot, not a third line elsewhere: at full scale, delivery is bound by such reads.
   */
  class InputBuffer_
  {
  public:
    InputBuffer_() = default;
    //! A copy starts empty; clear() sizes it for the run.
    InputBuffer_( const InputBuffer_& );
    InputBuffer_& operator=( const InputBuffer_& ) = delete;

    void add_value( long offset, std::size_t receptor, double weight );
    //! The sums of one slot (correctly rounded), which is cleared.
    void take( long offset, std::array< double, N_RECEPTORS >& out );
    void clear();

  private:
    struct Sum_
    {
      double hi;  //!< running sum
      double lo;  //!< its accumulated rounding error
    };
    using Slot_ = std::array< Sum_, N_RECEPTORS >;
    static constexpr std::size_t N_INLINE = 16;

    static std::size_t ring_size();
    Slot_& slot( long offset );

    std::array< Slot_, N_INLINE > inline_;
    std::vector< Slot_ > heap_;  //!< empty unless the ring is longer than N_INLINE
  };

  struct Buffers_
  {
    explicit Buffers_( glif3_alpha& );
    Buffers_( const Buffers_&, glif3_alpha& );

    // the logger and current ring first: the update reads them beside the state every step
    nest::UniversalDataLogger< glif3_alpha > logger_;
    nest::RingBuffer currents_;
    InputBuffer_ spikes_;
  };

  /** Constants derived from the parameters and the resolution (pre_run_hook). */
  struct Variables_
  {
    double h;                               //!< resolution, ms
    double D;                               //!< membrane decay per step
    double F;                               //!< mV per pA over one step
    std::array< double, N_RECEPTORS > S;    //!< PSC decay per step
    std::array< double, N_RECEPTORS > hS;   //!< h * S
    std::array< double, N_RECEPTORS > P;    //!< alpha normalisation e / tau_syn, 1/ms
    std::array< double, N_ASC > E;          //!< after-spike current decay per step
    double leak_drive;                      //!< g * E_L, pA
    double reset_jump;                      //!< V_reset - V_th, mV
  };

  double get_V_m_() const { return S_.V_m; }
  double get_I_asc_1_() const { return S_.I_asc[ 0 ]; }
  double get_I_asc_2_() const { return S_.I_asc[ 1 ]; }
  double get_I_syn_1_() const { return S_.Y[ 0 ]; }
  double get_I_syn_2_() const { return S_.Y[ 1 ]; }
  double get_I_syn_3_() const { return S_.Y[ 2 ]; }
  double get_I_syn_4_() const { return S_.Y[ 3 ]; }

  // What the update reads every step (state, constants, parameters, input slots) lies in one
  // run of memory; the trial's start state, read once per trial, lies after it.
  State_ S_;
  Variables_ V_;
  Parameters_ P_;
  Buffers_ B_;
  State_ S_trial_start_;  //!< the state at step 0, restored at the start of every trial

  static nest::RecordablesMap< glif3_alpha > recordablesMap_;
};

inline size_t
glif3_alpha::send_test_event( nest::Node& target, size_t receptor_type, nest::synindex, bool )
{
  nest::SpikeEvent e;
  e.set_sender( *this );
  return target.handles_test_event( e, receptor_type );
}

inline size_t
glif3_alpha::handles_test_event( nest::SpikeEvent&, size_t receptor_type )
{
  if ( receptor_type < 1 or receptor_type > N_RECEPTORS )
  {
    throw nest::IncompatibleReceptorType( receptor_type, get_name(), "SpikeEvent" );
  }
  return receptor_type;
}

inline size_t
glif3_alpha::handles_test_event( nest::CurrentEvent&, size_t receptor_type )
{
  if ( receptor_type != 0 )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return 0;
}

inline size_t
glif3_alpha::handles_test_event( nest::DataLoggingRequest& dlr, size_t receptor_type )
{
  if ( receptor_type != 0 )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return B_.logger_.connect_logging_device( dlr, recordablesMap_ );
}

}  // namespace pynn_glif3

#endif  // PYNN_GLIF3_GLIF3_ALPHA_H
